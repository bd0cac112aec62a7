import type { JsHistogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  HIST_MAX_US,
  mergeEncoded,
  percentileMs,
  summarize,
} from '../core/histograms';
import { mulberry32 } from '../core/random';
import { LatencyRecorder, withIntegerIndex } from './histograms';

/** Log-uniform latencies from 0.01 ms to 100 s: exercises many HDR buckets. */
function latencies(n: number, seed: number): number[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => 10 ** (rng() * 7 - 2));
}

describe('histograms', () => {
  it('merging the encoded halves equals one histogram of everything', () => {
    const data = latencies(20_000, 42);
    const all = new LatencyRecorder();
    const a = new LatencyRecorder();
    const b = new LatencyRecorder();
    data.forEach((v, i) => {
      all.recordMs(v);
      (i % 2 === 0 ? a : b).recordMs(v);
    });
    const merged = summarize(mergeEncoded([a.encode(), b.encode()]));
    expect(merged.count).toBe(20_000);
    expect(merged).toEqual(summarize(all.histogram));
    expect(merged).toEqual(summarize(decodeHistogram(all.encode())));
  });

  it('summarises in ms within 3 significant digits of the exact percentiles', () => {
    const data = latencies(10_001, 7);
    const r = new LatencyRecorder();
    for (const v of data) r.recordMs(v);
    const sorted = [...data].sort((x, y) => x - y);
    const s = summarize(r.histogram);
    const exact = (p: number) => sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
    for (const [key, p] of [
      ['p50', 50],
      ['p90', 90],
      ['p99', 99],
    ] as const) {
      expect(Math.abs(s[key] - exact(p)) / exact(p), key).toBeLessThan(0.002);
    }
    expect(Math.abs(s.max - sorted.at(-1)!) / sorted.at(-1)!).toBeLessThan(0.002);
    const mean = data.reduce((x, y) => x + y, 0) / data.length;
    expect(Math.abs(s.mean - mean) / mean).toBeLessThan(0.002);
  });

  it('clamps and counts out-of-range values instead of throwing', () => {
    const r = new LatencyRecorder();
    r.recordMs(-1);
    r.recordMs(HIST_MAX_US / 1000 + 1_000_000);
    r.recordMs(0); // a 0 µs gap is real (two chunks in one read), not out of range
    expect(r.clamped).toBe(2);
    expect(r.histogram.totalCount).toBe(3);
    expect(summarize(r.histogram).min).toBe(0);
    expect(summarize(r.histogram).max).toBeGreaterThanOrEqual(HIST_MAX_US / 1000);
  });

  it('records runs of equal values exactly as one by one, clamping included', () => {
    const values = [0, 0, 0, 0.0004, 5, 5, 5.0001, -2, -2, 1e12, 0, ...latencies(500, 3)];
    const one = new LatencyRecorder();
    const runs = new LatencyRecorder();
    for (const v of values) one.recordMs(v);
    runs.recordAllMs(values);
    expect(runs.encode()).toBe(one.encode());
    expect([runs.clamped, runs.histogram.totalCount]).toEqual([3, values.length]);

    const pairs = values.map((v, i) => [v, (i % 3) + 1] as const);
    const oneW = new LatencyRecorder();
    const runsW = new LatencyRecorder();
    for (const [v, n] of pairs) oneW.recordMsWithCount(v, n);
    for (const [v, n] of pairs) runsW.addToRunMs(v, n);
    runsW.endRun();
    expect(runsW.encode()).toBe(oneW.encode());
    expect(runsW.clamped).toBe(oneW.clamped);
    runs.recordAllMs([]);
    expect(runs.histogram.totalCount).toBe(values.length);
  });

  it('encodes, decodes and summarises an empty histogram', () => {
    const h = decodeHistogram(encodeHistogram(createHistogram()));
    expect(summarize(h)).toMatchObject({ count: 0, p50: 0, max: 0 });
    expect(percentileMs(h, 50)).toBeNull();
    expect(mergeEncoded([]).totalCount).toBe(0);
  });
});

describe('withIntegerIndex', () => {
  it("finds the library's own slot for every value from 0 to 1 h in µs", () => {
    const fast = withIntegerIndex(createHistogram()) as unknown as JsHistogram;
    const lib = createHistogram() as unknown as JsHistogram;
    const values = [
      0,
      1,
      2,
      1023,
      1024,
      2047,
      2048,
      2049,
      4095,
      4096,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 31 + 1,
      HIST_MAX_US,
    ];
    for (let k = 0; k < 32; k++) values.push(2 ** k - 1, 2 ** k, 2 ** k + 1);
    const rng = mulberry32(7);
    for (let i = 0; i < 100_000; i++) values.push(Math.floor(10 ** (rng() * Math.log10(HIST_MAX_US))));
    for (const v of values.filter((x) => x <= HIST_MAX_US))
      expect(fast.countsArrayIndex(v), `value ${v}`).toBe(lib.countsArrayIndex(v));
  });
});
