/** Recording latencies on the load generator's hot path into the histograms of core/histograms.ts. */
import type { JsHistogram } from 'hdr-histogram-js';
import { createHistogram, encodeHistogram, HIST_MAX_US, type Histogram } from '../core/histograms';

/**
 * hdr-histogram-js finds a value's slot with floating point (`Math.log2`, two `Math.pow`): a tenth
 * of the recording time was `pow` in a profile of bench:loadgen. The same slot in integer
 * arithmetic, valid for whole values below 2^32 (HIST_MAX_US, 1 h in µs, is below it); the
 * unit test checks it against the library's for values across the whole range.
 */
export function withIntegerIndex(h: Histogram): Histogram {
  const js = h as unknown as JsHistogram;
  const half = js.subBucketHalfCountMagnitude;
  const unit = js.unitMagnitude;
  const slow = js.countsArrayIndex.bind(js);
  js.countsArrayIndex = (value: number) => {
    // Out of the integer range (or not whole): the library's own way, which also throws on < 0.
    if (!(value >= 0 && value <= 0xffffffff) || value !== Math.floor(value)) return slow(value);
    // The library's bucket (floor(log2(value)) - half - unit, at least 0) and slot in it.
    const bucket = Math.max(31 - Math.clz32(value) - half - unit, 0);
    return (bucket << half) + (value >>> (bucket + unit));
  };
  return h;
}

/**
 * Records millisecond durations as µs. Values outside [0, 1 h] are clamped and counted rather
 * than thrown (a throw would lose the request's other metrics). Zero is in range on purpose:
 * two token chunks read in one socket read have a genuine 0 µs gap.
 */
export class LatencyRecorder {
  readonly histogram = withIntegerIndex(createHistogram());
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

  /** One value (of `count`) of a sequence, runs merged as in recordAllMs; `endRun` after the last. */
  addToRunMs(ms: number, count: number): void {
    this.addToRun(this.toUs(ms, count), count);
  }

  endRun(): void {
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
