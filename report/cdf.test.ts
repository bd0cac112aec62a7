import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram } from '../core/histograms';
import { cdfOf, cdfOfEncoded } from './cdf';

function histogramOf(valuesMs: number[]) {
  const h = createHistogram();
  for (const ms of valuesMs) h.recordValue(Math.round(ms * 1000));
  return h;
}

describe('cdfOf', () => {
  it('is empty for an empty histogram', () => {
    expect(cdfOf(createHistogram())).toEqual([]);
  });

  it('rises to 1 at the largest value and gives each value its share', () => {
    // 1..100 ms once each: fraction at 50 ms is 0.5.
    const cdf = cdfOf(histogramOf(Array.from({ length: 100 }, (_, i) => i + 1)));
    // Values are the buckets' (3 significant digits), as the summary's percentiles are.
    expect(cdf.at(-1)![0]).toBeCloseTo(100, 1);
    expect(cdf.at(-1)![1]).toBe(1);
    const at50 = cdf.find(([ms]) => Math.round(ms) === 50);
    expect(at50?.[1]).toBeCloseTo(0.5, 10);
    for (let i = 1; i < cdf.length; i++) {
      expect(cdf[i]![0]).toBeGreaterThan(cdf[i - 1]![0]);
      expect(cdf[i]![1]).toBeGreaterThan(cdf[i - 1]![1]);
    }
  });

  it('thins a wide distribution but keeps the tail', () => {
    // 100 000 values from 1 ms to 10 s: thousands of buckets.
    const values = Array.from({ length: 100_000 }, (_, i) => 1 + i * 0.1);
    const cdf = cdfOf(histogramOf(values));
    expect(cdf.length).toBeLessThan(260);
    expect(cdf.length).toBeGreaterThan(150);
    // The last percent still has points of its own (p99, p99.9...), not one straight line.
    expect(cdf.filter(([, f]) => f > 0.99).length).toBeGreaterThanOrEqual(8);
    expect(cdf.at(-1)![1]).toBe(1);
  });

  it('merges clients exactly: two halves give the whole', () => {
    const a = encodeHistogram(histogramOf([10, 20]));
    const b = encodeHistogram(histogramOf([30, 40]));
    const { count, cdf } = cdfOfEncoded([a, b]);
    expect(count).toBe(4);
    expect(cdf.map(([, f]) => f)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(cdf.map(([ms]) => Math.round(ms))).toEqual([10, 20, 30, 40]);
  });
});
