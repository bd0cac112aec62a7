import { describe, expect, it } from 'vitest';
import { fitLine, meanInterval, slopeLowerBound, tQuantile } from './stats';

describe('tQuantile', () => {
  it('matches the printed t table', () => {
    // Two-sided 95% critical values: df 1, 4, 9, 30 (any statistics textbook's table).
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.776, 3);
    expect(tQuantile(0.975, 9)).toBeCloseTo(2.262, 3);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.042, 3);
    expect(tQuantile(0.95, 10)).toBeCloseTo(1.812, 3);
  });
  it('refuses nonsense', () => {
    expect(() => tQuantile(0.975, 0)).toThrow(RangeError);
    expect(() => tQuantile(1, 3)).toThrow(RangeError);
  });
});

describe('meanInterval', () => {
  it('computes the 95% interval of hand-computed samples', () => {
    // 10, 12, 14: mean 12, s² = (4 + 0 + 4) / 2 = 4, s = 2, s/√3 = 1.1547; t(0.975, 2) = 4.3027.
    const ci = meanInterval([10, 12, 14]);
    expect(ci.mean).toBe(12);
    expect(ci.stdev).toBeCloseTo(2, 12);
    expect(ci.halfWidth).toBeCloseTo(4.302653 * 1.154701, 4); // 4.9683
    expect(ci.low).toBeCloseTo(12 - 4.9683, 3);
    expect(ci.high).toBeCloseTo(12 + 4.9683, 3);
  });
  it('five samples', () => {
    // 98, 100, 101, 99, 102: mean 100, s² = (4+0+1+1+4)/4 = 2.5, s = 1.5811, s/√5 = 0.7071;
    // t(0.975, 4) = 2.7764 -> ±1.9632.
    const ci = meanInterval([98, 100, 101, 99, 102]);
    expect(ci.mean).toBe(100);
    expect(ci.halfWidth).toBeCloseTo(1.9632, 3);
  });
  it('one sample has a mean but no interval', () => {
    expect(meanInterval([7])).toMatchObject({ n: 1, mean: 7, halfWidth: null, low: null, high: null });
  });
  it('identical samples have a zero-width interval', () => {
    expect(meanInterval([3, 3, 3]).halfWidth).toBe(0);
  });
});

describe('fitLine', () => {
  it('fits an exact line with zero error', () => {
    const fit = fitLine([0, 1, 2, 3], [1, 3, 5, 7]);
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(1, 12);
    expect(fit.slopeStdErr).toBeCloseTo(0, 12);
  });
  it('hand-computed standard error', () => {
    // x 0..4, y 0,2,1,3,4: Sxx = 10, Sxy = 9, Syy = 10; slope 0.9; RSS = 10 − 0.9·9 = 1.9;
    // SE = sqrt(1.9 / 3 / 10) = 0.25166.
    const fit = fitLine([0, 1, 2, 3, 4], [0, 2, 1, 3, 4]);
    expect(fit.slope).toBeCloseTo(0.9, 12);
    expect(fit.slopeStdErr).toBeCloseTo(0.25166, 4);
    // One-sided 95%, t(0.95, 3) = 2.3534: 0.9 − 2.3534 · 0.25166 = 0.3077 > 0: rising.
    expect(slopeLowerBound(fit, 0.95)).toBeCloseTo(0.3077, 3);
  });
  it('has no standard error below three points', () => {
    expect(fitLine([0, 1], [0, 1]).slopeStdErr).toBeNull();
    expect(slopeLowerBound(fitLine([0, 1], [0, 1]), 0.95)).toBeNull();
  });
});

describe('slopeLowerBound of a serial series', () => {
  it('widens by the residuals lag-1 autocorrelation, never narrows', () => {
    // Residuals in runs of four (+1 ×4, −1 ×4, ...) around y = x: alike neighbours (ρ ≈ 0.5).
    const xs = Array.from({ length: 24 }, (_, i) => i);
    const smooth = xs.map((x) => x + (Math.floor(x / 4) % 2 === 0 ? 1 : -1));
    const fit = fitLine(xs, smooth);
    expect(fit.residualLag1).toBeGreaterThan(0.3);
    expect(slopeLowerBound(fit, 0.95, true)!).toBeLessThan(slopeLowerBound(fit, 0.95)!);
    // Alternating residuals (ρ < 0) count as independent: the bound is the plain one.
    const zigzag = xs.map((x) => x + (x % 2 === 0 ? 1 : -1));
    const alt = fitLine(xs, zigzag);
    expect(alt.residualLag1).toBeLessThan(0);
    expect(slopeLowerBound(alt, 0.95, true)).toBe(slopeLowerBound(alt, 0.95));
  });
});
