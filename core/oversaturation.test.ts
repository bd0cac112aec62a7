import { describe, expect, it } from 'vitest';
import type { ProgressSnapshot } from './loadgen-protocol';
import {
  detectOversaturation,
  OVERSATURATION_DEFAULTS,
  type SaturationSample,
  samplesFromProgress,
} from './oversaturation';
import { mulberry32, type Rng } from './random';

/** Normal noise (Box–Muller) from a seeded stream. */
const noise = (rng: Rng) => () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());

/** Poisson count with mean `mean` (Knuth), seeded. */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k++;
    p *= rng();
  }
  return k;
}

/**
 * A queue in discrete seconds: Poisson arrivals at `rate`/s, a server finishing `capacity`/s,
 * `slots` of them in service; TTFT = base + the wait the queue ahead implies. Rate above
 * capacity grows the queue without bound; below it, it stays put and wobbles.
 */
function queueSeries(
  seed: number,
  rate: number,
  capacity: number,
  seconds: number,
  slots = 4,
): SaturationSample[] {
  const rng = mulberry32(seed);
  const jitter = noise(rng);
  let inFlight = 0;
  const out: SaturationSample[] = [];
  for (let t = 0; t < seconds; t++) {
    inFlight = Math.max(0, inFlight + poisson(rng, rate) - poisson(rng, capacity));
    const waitMs = (Math.max(0, inFlight - slots) / capacity) * 1000;
    out.push({ tS: t, inFlight, ttftMs: 20 + waitMs + 2 * jitter() });
  }
  return out;
}

describe('detectOversaturation', () => {
  it('finds a queue growing without bound (twice the capacity)', () => {
    const verdict = detectOversaturation(queueSeries(1, 80, 40, 20));
    expect(verdict.detected).toBe(true);
    expect(verdict.inFlight?.rising).toBe(true);
    expect(verdict.ttftMs?.rising).toBe(true);
    expect(verdict.inFlight!.slopePerS).toBeGreaterThan(30);
    expect(verdict.reason).toMatch(/in flight rising/);
  });

  it('finds 25% over capacity within a few seconds of the minimum duration, in every seeded run', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const series = queueSeries(seed, 50, 40, 60);
      const first = [10, 15, 20, 25, 30].find((end) => detectOversaturation(series.slice(0, end)).detected);
      expect(first, `seed ${seed}`).toBeDefined();
    }
  });

  it('says nothing before the minimum duration', () => {
    const series = queueSeries(1, 80, 40, 20).slice(0, 8);
    const verdict = detectOversaturation(series);
    expect(verdict.detected).toBe(false);
    expect(verdict.reason).toMatch(/not judged before 10 s/);
  });

  it('never fires on a stable queue (80% load), over 200 seeds and every second of a minute', () => {
    let detections = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const series = queueSeries(seed, 32, 40, 60);
      for (let end = 10; end <= 60; end += 5) {
        if (detectOversaturation(series.slice(0, end)).detected) detections++;
      }
    }
    expect(detections).toBe(0);
  });

  it('never fires on flat noisy series', () => {
    const rng = mulberry32(7);
    const jitter = noise(rng);
    const flat = Array.from({ length: 60 }, (_, t) => ({
      tS: t,
      inFlight: 16 + 2 * jitter(),
      ttftMs: 50 + 5 * jitter(),
    }));
    expect(detectOversaturation(flat).detected).toBe(false);
  });

  it('needs both series: in flight ramping up with a flat TTFT is a ramp, not a queue', () => {
    const ramp = Array.from({ length: 30 }, (_, t) => ({ tS: t, inFlight: 1 + t, ttftMs: 50 + (t % 3) }));
    const verdict = detectOversaturation(ramp);
    expect(verdict.inFlight?.rising).toBe(true);
    expect(verdict.ttftMs?.rising).toBe(false);
    expect(verdict.detected).toBe(false);
  });

  it('a step up that then holds is not over-saturation once the window has moved past it', () => {
    const step = Array.from({ length: 90 }, (_, t) => ({
      tS: t,
      inFlight: (t < 20 ? 4 : 40) + (t % 2),
      ttftMs: (t < 20 ? 20 : 200) + (t % 3),
    }));
    expect(detectOversaturation(step).detected).toBe(false);
  });

  it('a tiny but steady rise is significant yet not large enough to count', () => {
    const creep = Array.from({ length: 60 }, (_, t) => ({ tS: t, inFlight: 100 + 0.1 * t, ttftMs: 500 + t }));
    const verdict = detectOversaturation(creep);
    expect(verdict.inFlight!.lowerBoundPerS).toBeGreaterThan(0);
    expect(verdict.detected).toBe(false);
  });

  it('takes its settings', () => {
    const series = queueSeries(1, 80, 40, 20).slice(0, 8);
    expect(detectOversaturation(series).detected).toBe(false);
    expect(detectOversaturation(series, { ...OVERSATURATION_DEFAULTS, minDurationMs: 5000 }).detected).toBe(
      true,
    );
  });
});

function snap(
  clientIndex: number,
  timeMs: number,
  inFlight: number,
  ttftCount: number,
  ttftSumMs: number,
  phase: ProgressSnapshot['phase'] = 'measuring',
): ProgressSnapshot {
  return {
    version: 2,
    benchmarkId: 'b',
    stageIndex: 0,
    clientIndex,
    timeMs,
    elapsedMs: 0,
    phase,
    sent: 0,
    ok: 0,
    failed: 0,
    inFlight,
    outputTokens: 0,
    errors: {},
    ttftP50Ms: null,
    ttftP90Ms: null,
    ttftP99Ms: null,
    tpotP50Ms: null,
    tpotP99Ms: null,
    itlP50Ms: null,
    itlP99Ms: null,
    e2eP50Ms: null,
    e2eP99Ms: null,
    scheduleLagP50Ms: null,
    scheduleLagP99Ms: null,
    cpuCores: 0,
    ttftCount,
    ttftSumMs,
  };
}

describe('samplesFromProgress', () => {
  it('sums in-flight over clients and takes the mean TTFT of what completed each second', () => {
    const start = 1_000_000;
    const samples = samplesFromProgress(
      [
        snap(0, start + 1100, 3, 10, 200),
        snap(1, start + 1300, 5, 4, 120),
        snap(0, start + 2100, 4, 14, 300), // 4 more, 100 ms in all: 25 ms each
        snap(1, start + 2200, 6, 10, 300), // 6 more, 180 ms: 30 ms each
        snap(0, start + 3050, 2, 14, 300), // nothing completed
        snap(1, start + 3900, 0, 10, 300, 'cooldown'), // left out
      ],
      start,
    );
    expect(samples).toEqual([
      { tS: 1, inFlight: 8, ttftMs: null },
      { tS: 2, inFlight: 10, ttftMs: (100 + 180) / 10 },
      // client 1's latest live snapshot still counts (its cool-down one does not)
      { tS: 3, inFlight: 8, ttftMs: null },
    ]);
  });

  it('has nothing without live snapshots', () => {
    expect(samplesFromProgress([snap(0, 5000, 1, 0, 0, 'done')], 0)).toEqual([]);
  });
});
