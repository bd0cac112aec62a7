/**
 * Over-saturation: queueing that grows without bound, so the stage measures a queue rather than
 * the service. The idea is GuideLLM's (its over-saturation constraint): the requests in flight
 * and the TTFT both rise over a sliding window, each with statistical confidence. aifb's rule:
 * over the latest `windowMs` of one-second samples, the least-squares slope of each series must
 * be positive at the one-sided `confidence` (Student t) AND large in practice: the fitted rise
 * over the window at least `minGrowth` × the series' mean there (a steady queue that merely
 * wobbles never rises by half its level). Nothing is judged before `minDurationMs`.
 *
 * Pure. The worker's checkClients activity runs it over the clients' progress snapshots
 * (`samplesFromProgress`); the workflow stops the stage when it says so.
 */
import type { ProgressSnapshot } from './loadgen-protocol';
import { fitLine, slopeLowerBound } from './stats';
import type { OversaturationVerdict, Trend } from './summary-format';

export type { OversaturationVerdict, Trend };

/** The recipe's `oversaturation` settings (durations in ms), defaults filled in. */
export interface OversaturationSettings {
  /** No verdict before the stage has run this long (warm-up included). */
  minDurationMs: number;
  /** The sliding window the trends are fitted over. */
  windowMs: number;
  /** One-sided confidence that each slope is above 0 (0.999: 99.9%). */
  confidence: number;
  /** The fitted rise over the window, as a fraction of the series' mean in it, at least. */
  minGrowth: number;
}

export const OVERSATURATION_DEFAULTS: OversaturationSettings = {
  minDurationMs: 10_000,
  windowMs: 60_000,
  // Calibrated on simulated queues (Poisson arrivals and services, checks every 2 s for a
  // minute, 200 seeds): never fired at 80% load, in 1 of 10 minutes at 90%; found 10% over
  // capacity within ~12 s. At 99% it fired in 1 of 4 minutes at 90% load.
  confidence: 0.999,
  minGrowth: 0.5,
};

/** The recipe's `workload.oversaturation` as the detector takes it. */
export function oversaturationSettings(recipe: {
  minDuration: number;
  window: number;
  confidence: number;
  minGrowth: number;
}): OversaturationSettings {
  return {
    minDurationMs: recipe.minDuration,
    windowMs: recipe.window,
    confidence: recipe.confidence,
    minGrowth: recipe.minGrowth,
  };
}

/** Fewer one-second points than this say nothing about a trend. */
const MIN_POINTS = 5;

/** One second of a stage over all its clients. */
export interface SaturationSample {
  /** Seconds since the stage's start (its warm-up). */
  tS: number;
  /** Requests in flight over all clients. */
  inFlight: number;
  /** Mean TTFT of the requests that completed in this second; null when none did. */
  ttftMs: number | null;
}

function trend(xs: number[], ys: number[], settings: OversaturationSettings): Trend | null {
  if (xs.length < MIN_POINTS) return null;
  const fit = fitLine(xs, ys);
  const span = xs[xs.length - 1]! - xs[0]!;
  const lowerBoundPerS = slopeLowerBound(fit, settings.confidence, true);
  const growth =
    fit.meanY > 0 ? (fit.slope * span) / fit.meanY : fit.slope > 0 ? Number.POSITIVE_INFINITY : 0;
  return {
    points: xs.length,
    slopePerS: fit.slope,
    lowerBoundPerS,
    mean: fit.meanY,
    growth,
    rising: lowerBoundPerS !== null && lowerBoundPerS > 0 && growth >= settings.minGrowth,
  };
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
const describe = (name: string, t: Trend | null, unit: string) =>
  t === null
    ? `${name}: too few points`
    : `${name} ${t.rising ? 'rising' : 'not rising'} (${fmt(t.slopePerS)}${unit}/s, grew ${fmt(t.growth * 100, 0)}% of its mean ${fmt(t.mean)}${unit})`;

/** Judges the samples (oldest first) of a stage that has run `elapsedMs`. */
export function detectOversaturation(
  samples: readonly SaturationSample[],
  settings: OversaturationSettings = OVERSATURATION_DEFAULTS,
): OversaturationVerdict {
  const atS = samples.at(-1)?.tS ?? 0;
  const recent = samples.filter((s) => s.tS > atS - settings.windowMs / 1000);
  const windowS = recent.length ? atS - recent[0]!.tS : 0;
  const inFlight = trend(
    recent.map((s) => s.tS),
    recent.map((s) => s.inFlight),
    settings,
  );
  const withTtft = recent.filter((s) => s.ttftMs !== null);
  const ttftMs = trend(
    withTtft.map((s) => s.tS),
    withTtft.map((s) => s.ttftMs!),
    settings,
  );
  const base = { atS, windowS, inFlight, ttftMs };
  if (atS * 1000 < settings.minDurationMs) {
    return { ...base, detected: false, reason: `not judged before ${settings.minDurationMs / 1000} s` };
  }
  const detected = inFlight?.rising === true && ttftMs?.rising === true;
  const reason = `${describe('in flight', inFlight, '')}; ${describe('TTFT', ttftMs, ' ms')} over the last ${fmt(windowS, 0)} s`;
  return { ...base, detected, reason };
}

/**
 * One sample per second of the stage from every client's progress snapshots (any order): the
 * requests in flight summed over clients (each client's latest snapshot so far), and the mean
 * TTFT of what completed in that second (from the snapshots' running TTFT sum and count).
 * Cool-down is left out: sending has stopped there, so in-flight falls whatever the service does.
 */
export function samplesFromProgress(
  snapshots: readonly ProgressSnapshot[],
  startAtMs: number,
): SaturationSample[] {
  const live = snapshots.filter((s) => s.phase === 'warmup' || s.phase === 'measuring');
  if (live.length === 0) return [];
  const second = (s: ProgressSnapshot) => Math.floor((s.timeMs - startAtMs) / 1000);
  const byClient = new Map<number, ProgressSnapshot[]>();
  for (const s of live) byClient.set(s.clientIndex, [...(byClient.get(s.clientIndex) ?? []), s]);
  for (const list of byClient.values()) list.sort((a, b) => a.timeMs - b.timeMs);
  const first = Math.max(0, Math.min(...live.map(second)));
  const last = Math.max(...live.map(second));
  const samples: SaturationSample[] = [];
  // Per client: the last snapshot at or before the current second, and where the scan is.
  const cursor = new Map<number, { at: number; latest: ProgressSnapshot | null }>();
  for (const client of byClient.keys()) cursor.set(client, { at: 0, latest: null });
  for (let t = first; t <= last; t++) {
    let inFlight = 0;
    let seen = false;
    let ttftSum = 0;
    let ttftCount = 0;
    for (const [client, list] of byClient) {
      const c = cursor.get(client)!;
      const before = c.latest;
      while (c.at < list.length && second(list[c.at]!) <= t) c.latest = list[c.at++]!;
      if (!c.latest) continue;
      seen = true;
      inFlight += c.latest.inFlight;
      if (
        before &&
        c.latest !== before &&
        c.latest.ttftCount !== undefined &&
        before.ttftCount !== undefined
      ) {
        ttftCount += c.latest.ttftCount - before.ttftCount;
        ttftSum += (c.latest.ttftSumMs ?? 0) - (before.ttftSumMs ?? 0);
      }
    }
    if (seen) samples.push({ tS: t, inFlight, ttftMs: ttftCount > 0 ? ttftSum / ttftCount : null });
  }
  return samples;
}
