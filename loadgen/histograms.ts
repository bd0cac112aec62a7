/**
 * Latency histograms: HDR, values in integer MICROseconds, 3 significant digits, so that client
 * histograms merge exactly (design.md §3). The worker reuses decode/merge/summarize.
 *
 * Pure-JS implementation (not WASM): WASM needs an init step and a growable memory per histogram;
 * recording is not the bottleneck (a few values per request) and the JS version bundles as-is.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** 1 hour in µs: far above any request timeout, so clamping at it loses nothing real. */
export const HIST_MAX_US = 3_600_000_000;

export interface LatencySummary {
  count: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

export function createHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIST_MAX_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
    useWebAssembly: false,
  });
}

/**
 * Records millisecond durations as µs. Values outside [0, 1 h] are clamped and counted rather
 * than thrown (a throw would lose the request's other metrics). Zero is in range on purpose:
 * two token chunks read in one socket read have a genuine 0 µs gap.
 */
export class LatencyRecorder {
  readonly histogram = createHistogram();
  clamped = 0;

  recordMs(ms: number): void {
    this.histogram.recordValue(this.toUs(ms, 1));
  }

  /** `count` samples of `ms` at once (per-token ITL: a chunk of k tokens is k samples). */
  recordMsWithCount(ms: number, count: number): void {
    this.histogram.recordValueWithCount(this.toUs(ms, count), count);
  }

  /**
   * Records every value of `ms` in order. A run of equal µs values costs one call: chunks read
   * in one socket read are all 0 µs apart, and recording was a tenth of loadgen's CPU at 16
   * chunks a response (bench:loadgen). The histogram is the same as recording them one by one.
   */
  recordAllMs(ms: readonly number[]): void {
    for (const v of ms) this.addToRun(this.toUs(v, 1), 1);
    this.flushRun();
  }

  /** Pairs of [ms, count], with runs of equal µs values merged as in recordAllMs. */
  recordAllMsWithCount(pairs: readonly (readonly [ms: number, count: number])[]): void {
    for (const [v, count] of pairs) this.addToRun(this.toUs(v, count), count);
    this.flushRun();
  }

  private runUs = 0;
  private runCount = 0;

  private addToRun(us: number, count: number): void {
    if (this.runCount > 0 && us === this.runUs) {
      this.runCount += count;
      return;
    }
    this.flushRun();
    this.runUs = us;
    this.runCount = count;
  }

  private flushRun(): void {
    if (this.runCount > 0) this.histogram.recordValueWithCount(this.runUs, this.runCount);
    this.runCount = 0;
  }

  private toUs(ms: number, count: number): number {
    const us = Math.round(ms * 1000);
    if (us >= 0 && us <= HIST_MAX_US) return us;
    this.clamped += count;
    // Negative or NaN is a clock bug: keep the sample visible at 0.
    return us > HIST_MAX_US ? HIST_MAX_US : 0;
  }

  encode(): string {
    return encodeHistogram(this.histogram);
  }
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(b64: string): Histogram {
  return hdr.decodeFromCompressedBase64(b64, 32, false);
}

/** Merges encoded client histograms into a fresh one (an empty list gives an empty histogram). */
export function mergeEncoded(list: readonly string[]): Histogram {
  const merged = createHistogram();
  for (const b64 of list) merged.add(decodeHistogram(b64));
  return merged;
}

const usToMs = (us: number) => us / 1000;

/** Calls `fn(valueMs, count)` for every non-empty bucket, lowest first (re-analysis, the bench). */
export function forEachValueMs(h: Histogram, fn: (ms: number, count: number) => void): void {
  const it = (h as unknown as hdr.JsHistogram).recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    fn(usToMs(v.valueIteratedTo), v.countAddedInThisIterationStep);
  }
}

/**
 * Summary in milliseconds. Every figure is derived from the buckets (min/max are the bucket
 * bounds, not the exact recorded extremes), so a histogram summarises identically before and
 * after an encode/decode round trip and after merging. An empty histogram gives count 0 and
 * zeros elsewhere: check `count` before reading the rest.
 */
export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) {
    return { count: 0, mean: 0, stddev: 0, min: 0, max: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  }
  return {
    count: h.totalCount,
    mean: usToMs(h.mean),
    stddev: usToMs(h.stdDeviation),
    min: usToMs(h.getValueAtPercentile(0)),
    max: usToMs(h.getValueAtPercentile(100)),
    p50: usToMs(h.getValueAtPercentile(50)),
    p90: usToMs(h.getValueAtPercentile(90)),
    p95: usToMs(h.getValueAtPercentile(95)),
    p99: usToMs(h.getValueAtPercentile(99)),
    p999: usToMs(h.getValueAtPercentile(99.9)),
  };
}

/** One percentile in ms, or null for an empty histogram (for progress snapshots). */
export function percentileMs(h: Histogram, p: number): number | null {
  return h.totalCount === 0 ? null : usToMs(h.getValueAtPercentile(p));
}
