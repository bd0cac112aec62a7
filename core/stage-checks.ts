/**
 * How often a running stage asks whether its clients ended early (a crash, a request limit) or
 * its queue grows without bound (over-saturation stop). Each check costs two workflow tasks and
 * an activity, about 11 history events: at a thousand benchmarks polling is what the workers and
 * the server spend their time on (README "Scale"). So the relay hub, which reads the clients'
 * files anyway, signals an early end (`clientsEndedSignal`) and the checks are a sparse backstop
 * for when no relay runs: at most one a minute below 4 hours, at most 240 a stage above.
 */

export const MAX_CHECKS_PER_STAGE = 240;
const DAY_MS = 24 * 3600_000;
const MAX_CHECK_INTERVAL_MS = DAY_MS / MAX_CHECKS_PER_STAGE;

export interface StageCheck {
  /** The stage's planned length (warm-up + duration), ms. */
  plannedMs: number;
  /** Bounded by maxRequests only: no planned end, its clients end it. */
  requestBound: boolean;
  oversaturationStop: boolean;
  /** Since the stage's common start. */
  elapsedMs: number;
}

/** Before the relay hub signalled early ends: a check every 5% of the stage, 2 s to 60 s. */
export function checkIntervalMsV1(c: StageCheck): number {
  if (c.requestBound) return 2000;
  const every = Math.min(60_000, Math.max(2000, Math.round(c.plannedMs / 20)));
  return c.oversaturationStop ? Math.min(every, 5000) : every;
}

/** With the relay hub signalling early ends: the backstop. */
export function checkIntervalMs(c: StageCheck): number {
  // The over-saturation detector needs its samples: every 5 s (probes are short).
  if (c.oversaturationStop) return Math.max(5000, Math.ceil(c.plannedMs / MAX_CHECKS_PER_STAGE));
  // No planned end: thin out as it runs (5% of the time so far).
  if (c.requestBound) return Math.min(MAX_CHECK_INTERVAL_MS, Math.max(2000, Math.round(c.elapsedMs / 20)));
  return Math.max(60_000, Math.ceil(c.plannedMs / MAX_CHECKS_PER_STAGE));
}
