/**
 * Open-loop send schedules. Each client's intended send times are fixed by (mode, rate, seed,
 * client index) before anything is sent, so a slow server cannot slow the arrivals down (no
 * coordinated omission) and a rerun replays the same arrivals.
 *
 * N clients split a total rate R exactly: each runs at R/N. Constant: client i sends at
 * (i + kN)/R, so together they send every 1/R. Poisson: each client's gaps are exponential with
 * mean N/R; independent Poisson streams superpose to one Poisson stream of rate R.
 */
import { deriveRng } from '../core/random';

export interface ScheduleSpec {
  mode: 'constant' | 'poisson';
  /** Total rate of the stage, requests per second (all clients together). */
  ratePerS: number;
  seed: number;
  clientIndex: number;
  clientCount: number;
}

/** Stream number for schedules (prompts use the client index): keeps the two independent. */
const SCHEDULE_STREAM = 0x5c4e;

/** Returns successive intended send times, in ms from the stage start, non-decreasing, endless. */
export function createSchedule(spec: ScheduleSpec): () => number {
  const { ratePerS, clientIndex: i, clientCount: n } = spec;
  if (!(ratePerS > 0)) throw new Error(`rate must be > 0, got ${ratePerS}`);
  if (spec.mode === 'constant') {
    let k = 0;
    // Computed from k (not accumulated) so rounding never drifts over millions of sends.
    return () => ((i + n * k++) * 1000) / ratePerS;
  }
  const meanGapMs = (n * 1000) / ratePerS;
  const rng = deriveRng(spec.seed ^ SCHEDULE_STREAM, i);
  let t = 0;
  return () => {
    // Inverse CDF of the exponential; 1 - u is in (0, 1], so the log is finite.
    t += -Math.log(1 - rng()) * meanGapMs;
    return t;
  };
}

/** The first `count` times of a schedule (tests, and anything that wants them up front). */
export function scheduleTimes(spec: ScheduleSpec, count: number): Float64Array {
  const next = createSchedule(spec);
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) out[k] = next();
  return out;
}

/** How many of a schedule's times fall in [fromMs, toMs): what it asked for in a window. */
export function countInWindow(spec: ScheduleSpec, fromMs: number, toMs: number): number {
  const next = createSchedule(spec);
  let n = 0;
  for (let t = next(); t < toMs; t = next()) if (t >= fromMs) n++;
  return n;
}

/** How many sends a schedule makes before `endMs`, capped at `max` (what a stage will send). */
export function countBefore(spec: ScheduleSpec, endMs: number, max = Number.POSITIVE_INFINITY): number {
  const next = createSchedule(spec);
  let n = 0;
  while (n < max && next() < endMs) n++;
  return n;
}
