/**
 * The little statistics aifb needs: Student-t confidence intervals of a mean (repeated runs) and
 * of a least-squares slope (the over-saturation detector). Pure. The t quantile comes from jstat
 * (a well-kept, dependency-free library): an approximation would be off for the few samples a
 * repeated run has.
 */
// A CommonJS (UMD) module: its default export is jStat itself, under Node's ESM and bundlers alike.
import jStat from 'jstat';

/** Student's t quantile: the t with P(T ≤ t) = p for `dof` degrees of freedom. */
export function tQuantile(p: number, dof: number): number {
  if (!(dof > 0)) throw new RangeError(`degrees of freedom must be > 0, got ${dof}`);
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  return jStat.studentt.inv(p, dof);
}

/** A mean with its two-sided confidence interval. */
export interface MeanInterval {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); null for one sample. */
  stdev: number | null;
  /** t(1 − α/2, n − 1) × stdev / √n; null for one sample (no interval can be had). */
  halfWidth: number | null;
  low: number | null;
  high: number | null;
  confidence: number;
}

/** Mean of `values` with a Student-t interval at `confidence` (0.95: 95%). */
export function meanInterval(values: readonly number[], confidence = 0.95): MeanInterval {
  const n = values.length;
  if (n === 0) throw new RangeError('no values');
  const mean = values.reduce((a, v) => a + v, 0) / n;
  if (n === 1) return { n, mean, stdev: null, halfWidth: null, low: null, high: null, confidence };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const stdev = Math.sqrt(variance);
  const halfWidth = (tQuantile(1 - (1 - confidence) / 2, n - 1) * stdev) / Math.sqrt(n);
  return { n, mean, stdev, halfWidth, low: mean - halfWidth, high: mean + halfWidth, confidence };
}

/** A least-squares line through points, with the standard error of its slope. */
export interface LineFit {
  n: number;
  slope: number;
  intercept: number;
  /** Standard error of the slope; null below 3 points or when every x is the same. */
  slopeStdErr: number | null;
  meanY: number;
  /** Lag-1 autocorrelation of the residuals (points in x order); 0 below 3 points. */
  residualLag1: number;
}

export function fitLine(xs: readonly number[], ys: readonly number[]): LineFit {
  const n = Math.min(xs.length, ys.length);
  const meanX = xs.slice(0, n).reduce((a, v) => a + v, 0) / (n || 1);
  const meanY = ys.slice(0, n).reduce((a, v) => a + v, 0) / (n || 1);
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - meanX;
    const dy = ys[i]! - meanY;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (n < 2 || sxx === 0) return { n, slope: 0, intercept: meanY, slopeStdErr: null, meanY, residualLag1: 0 };
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  // Residual sum of squares, never below 0 through rounding.
  const rss = Math.max(0, syy - slope * sxy);
  const slopeStdErr = n >= 3 ? Math.sqrt(rss / (n - 2) / sxx) : null;
  let lagged = 0;
  let squares = 0;
  let previous: number | null = null;
  for (let i = 0; i < n; i++) {
    const r = ys[i]! - (intercept + slope * xs[i]!);
    squares += r * r;
    if (previous !== null) lagged += r * previous;
    previous = r;
  }
  const residualLag1 = n >= 3 && squares > 0 ? lagged / squares : 0;
  return { n, slope, intercept, slopeStdErr, meanY, residualLag1 };
}

/**
 * The one-sided lower confidence bound of the slope (at `confidence`): above 0 means the line
 * rises with that confidence. Null when no standard error can be had.
 *
 * `serial`: the points are a time series whose neighbours are alike (a queue length second by
 * second): with the residuals' lag-1 autocorrelation ρ > 0 the standard error widens by
 * √((1 + ρ)/(1 − ρ)) (the usual AR(1) variance inflation; the degrees of freedom stay n − 2, or a
 * smooth curve would need an absurd t). Without it a queue that merely wanders looks like a trend.
 */
export function slopeLowerBound(fit: LineFit, confidence: number, serial = false): number | null {
  if (fit.slopeStdErr === null) return null;
  const rho = serial ? Math.min(Math.max(fit.residualLag1, 0), 0.99) : 0;
  const inflation = Math.sqrt((1 + rho) / (1 - rho));
  return fit.slope - tQuantile(confidence, fit.n - 2) * fit.slopeStdErr * inflation;
}
