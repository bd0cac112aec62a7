/**
 * Open-loop send schedules. Each client's intended send times are fixed by the stage's arrival
 * process, the seed and the client index before anything is sent, so a slow server cannot slow
 * the arrivals down (no coordinated omission) and a rerun replays the same arrivals.
 *
 * N clients split the stage's arrivals exactly:
 * - constant: client i sends at (i + kN)/R, so together they send every 1/R;
 * - poisson: each client's gaps are exponential with mean N/R (independent Poisson streams
 *   superpose to one Poisson stream of rate R);
 * - gamma, bursts, ramp, trace: ONE stream for the whole stage (gamma renewal streams do not
 *   superpose into a gamma stream), of which client i takes arrivals i, i + N, i + 2N, ...
 */
import { deriveRng, gammaSampler } from '../core/random';

export type Arrivals =
  | { mode: 'constant' | 'poisson'; ratePerS: number }
  /** Gaps Gamma(shape = burstiness, scale = 1 / (rate × burstiness)): mean 1/rate, CV 1/√burstiness. */
  | { mode: 'gamma'; ratePerS: number; burstiness: number }
  /** `burstSize` arrivals at 0, periodMs, 2 × periodMs, ... */
  | { mode: 'bursts'; burstSize: number; periodMs: number }
  /** Evenly spaced at a rate going linearly from `fromPerS` at 0 to `toPerS` at `spanMs`. */
  | { mode: 'ramp'; fromPerS: number; toPerS: number; spanMs: number }
  /** The whole trace's send times (ms from the start, non-decreasing), every client's. */
  | { mode: 'trace'; timesMs: ArrayLike<number> };

/** All clients' rates and counts together; the client's index picks its share. */
export type ScheduleSpec = Arrivals & { seed: number; clientIndex: number; clientCount: number };

/** Stream number for schedules (prompts use the client index): keeps the two independent. */
const SCHEDULE_STREAM = 0x5c4e;
/** The stage-wide stream of the processes every client replays whole (gamma). */
const SHARED_STREAM = 0x5a4ed;

/**
 * Returns successive intended send times, in ms from the stage start, non-decreasing; endless,
 * or Infinity from the schedule's end on (a trace, a falling ramp that reached zero).
 */
export function createSchedule(spec: ScheduleSpec): () => number {
  const { clientIndex: i, clientCount: n } = spec;
  switch (spec.mode) {
    case 'constant': {
      const rate = positive(spec.ratePerS, 'rate');
      let k = 0;
      // Computed from k (not accumulated) so rounding never drifts over millions of sends.
      return () => ((i + n * k++) * 1000) / rate;
    }
    case 'poisson': {
      const meanGapMs = (n * 1000) / positive(spec.ratePerS, 'rate');
      const rng = deriveRng(spec.seed ^ SCHEDULE_STREAM, i);
      let t = 0;
      return () => {
        // Inverse CDF of the exponential; 1 - u is in (0, 1], so the log is finite.
        t += -Math.log(1 - rng()) * meanGapMs;
        return t;
      };
    }
    case 'gamma': {
      const shape = positive(spec.burstiness, 'burstiness');
      const gap = gammaSampler(
        shape,
        1000 / (positive(spec.ratePerS, 'rate') * shape),
        deriveRng(spec.seed ^ SCHEDULE_STREAM, SHARED_STREAM),
      );
      let t = 0;
      return everyNth(
        () => {
          t += gap();
          return t;
        },
        i,
        n,
      );
    }
    case 'bursts': {
      const size = positive(spec.burstSize, 'burst size');
      const period = positive(spec.periodMs, 'burst period');
      let k = i;
      return () => {
        const j = k;
        k += n;
        return Math.floor(j / size) * period;
      };
    }
    case 'ramp': {
      const at = rampTimes(spec.fromPerS, spec.toPerS, positive(spec.spanMs, 'ramp span'));
      let k = i;
      return () => {
        const t = at(k);
        k += n;
        return t;
      };
    }
    case 'trace': {
      const times = spec.timesMs;
      let k = i;
      return () => {
        const t = k < times.length ? times[k]! : Number.POSITIVE_INFINITY;
        k += n;
        return t;
      };
    }
  }
}

/**
 * When the schedule's own end is (ms from the start): the end of a ramp's span; for a trace its
 * last send plus one mean gap, so a window ending there holds its L sends in L gaps and its
 * rate is the trace's. Infinity for the endless processes.
 */
export function scheduleEndMs(spec: ScheduleSpec): number {
  if (spec.mode === 'ramp') return spec.spanMs;
  if (spec.mode !== 'trace') return Number.POSITIVE_INFINITY;
  const times = spec.timesMs;
  const count = times.length;
  if (count === 0) return 0;
  const span = times[count - 1]! - times[0]!;
  return Math.max(1, times[count - 1]! + (count > 1 ? span / (count - 1) : 0));
}

/**
 * The j-th arrival of a linear ramp: the cumulative count Λ(t) = r0·t + (r1 − r0)·t²/(2T)
 * reaches j at t = 2j / (r0 + √(r0² + 2(r1 − r0)·j/T)) (the root written without the
 * cancellation of the textbook form, so a flat ramp is exactly constant). A falling ramp whose
 * rate would reach zero has no more arrivals: Infinity.
 */
function rampTimes(fromPerS: number, toPerS: number, spanMs: number): (j: number) => number {
  if (!(fromPerS >= 0) || !(toPerS >= 0) || fromPerS + toPerS <= 0)
    throw new Error(`ramp rates must be >= 0 and not both 0, got ${fromPerS} → ${toPerS}`);
  const r0 = fromPerS / 1000;
  const slope = (toPerS - fromPerS) / 1000 / spanMs;
  return (j) => {
    if (j === 0) return 0;
    const disc = r0 * r0 + 2 * slope * j;
    if (disc < 0) return Number.POSITIVE_INFINITY;
    const t = (2 * j) / (r0 + Math.sqrt(disc));
    // The arrival due exactly at the span's end must not round to just before it (it would be
    // counted in the window but never sent).
    return Math.abs(t - spanMs) < 1e-6 * spanMs ? spanMs : t;
  };
}

/** Client i's share of one stage-wide stream: its arrivals i, i + n, i + 2n, ... */
function everyNth(next: () => number, i: number, n: number): () => number {
  for (let k = 0; k < i; k++) next();
  return () => {
    const t = next();
    for (let k = 1; k < n; k++) next();
    return t;
  };
}

function positive(v: number, what: string): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`${what} must be > 0, got ${v}`);
  return v;
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
