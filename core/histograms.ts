/**
 * Latency histograms: HDR, values in integer MICROseconds, 3 significant digits, so that client
 * histograms merge exactly (design.md §3). The load generator records and encodes them
 * (loadgen/histograms.ts); summaries decode, merge and summarise them here.
 *
 * Pure-JS implementation (not WASM): WASM needs an init step and a growable memory per histogram;
 * recording is not the bottleneck (a few values per request) and the JS version bundles as-is.
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from './summary-format';

export type Histogram = hdr.Histogram;

/** 1 hour in µs: far above any request timeout, so clamping at it loses nothing real. */
export const HIST_MAX_US = 3_600_000_000;

export function createHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIST_MAX_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
    useWebAssembly: false,
  });
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
