/** Cumulative distributions from the clients' HDR histograms, thinned to what a plot can show. */
import { forEachValueMs, type Histogram, mergeEncoded } from '../core/histograms';
import type { CdfPoints } from './types';

/**
 * The empirical CDF of a histogram at its recorded values (bucket values, ms), thinned: a point
 * is kept when the fraction rose by `step` since the last kept one, or when the tail above it
 * shrank by `tailFactor` (so p99, p99.9... keep their points), and the last always. Empty → [].
 */
export function cdfOf(h: Histogram, step = 0.005, tailFactor = 1.25): CdfPoints {
  const total = h.totalCount;
  if (total === 0) return [];
  const out: CdfPoints = [];
  let seen = 0;
  let keptFraction = 0;
  let keptTail = 1;
  let last: [number, number] | null = null;
  forEachValueMs(h, (ms, count) => {
    seen += count;
    const fraction = seen / total;
    const tail = 1 - fraction;
    last = [ms, fraction];
    if (out.length === 0 || fraction - keptFraction >= step || tail * tailFactor <= keptTail) {
      out.push(last);
      keptFraction = fraction;
      keptTail = tail;
      last = null;
    }
  });
  if (last) out.push(last);
  return out;
}

/** Merges the clients' encoded histograms and draws their CDF. */
export function cdfOfEncoded(encoded: readonly string[]): { count: number; cdf: CdfPoints } {
  const merged = mergeEncoded(encoded);
  return { count: merged.totalCount, cdf: cdfOf(merged) };
}
