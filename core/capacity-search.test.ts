import { describe, expect, it } from 'vitest';
import {
  expectedCapacity,
  nextProbe,
  type Probe,
  probeVerdict,
  roundProbe,
  sloTable,
} from './capacity-search';
import { parseRecipe, type Recipe } from './recipe';
import type { LatencySummary, StageSummary } from './summary-format';

const spec = { start: 4, growth: 2, tolerance: 0.05, maxProbes: 20, vary: 'rate' as const, max: undefined };

/** Runs the search against a service that holds every value up to `capacity`. */
function search(s: Parameters<typeof nextProbe>[0], holds: (v: number) => boolean, floor?: number) {
  const probes: Probe[] = [];
  for (;;) {
    const step = nextProbe(s, probes, floor);
    if (step.kind === 'done') return { probes, step };
    probes.push({ value: step.value, passed: holds(step.value) });
  }
}

describe('nextProbe', () => {
  it('grows geometrically until a probe fails, then bisects to the tolerance', () => {
    const { probes, step } = search(spec, (v) => v <= 33.3);
    expect(probes.map((p) => p.value)).toEqual([4, 8, 16, 32, 64, 48, 40, 36, 34, 33]);
    expect(step).toEqual({ kind: 'done', status: 'found', capacity: 33 });
  });

  it('lands within the tolerance below any capacity', () => {
    for (const capacity of [0.37, 3.3, 17, 99.5, 1234]) {
      const { step } = search({ ...spec, start: 1 }, (v) => v <= capacity);
      expect(step.kind === 'done' && step.status).toBe('found');
      const found = step.kind === 'done' ? step.capacity! : 0;
      expect(found).toBeLessThanOrEqual(capacity);
      expect(found).toBeGreaterThanOrEqual(capacity / 1.06);
    }
  });

  it('shrinks when even the start fails, and says none passed at the floor', () => {
    const { probes, step } = search({ ...spec, start: 1 }, (v) => v <= 0.2);
    expect(probes.map((p) => p.value)).toEqual([1, 0.5, 0.25, 0.125, 0.188, 0.219, 0.204, 0.196]);
    expect(step).toMatchObject({ status: 'found', capacity: 0.196 });
    expect(search({ ...spec, start: 1 }, () => false).step).toEqual({
      kind: 'done',
      status: 'none-passed',
      capacity: null,
    });
  });

  it('stops at max', () => {
    const { probes, step } = search({ ...spec, max: 20 }, () => true);
    expect(probes.map((p) => p.value)).toEqual([4, 8, 16, 20]);
    expect(step).toEqual({ kind: 'done', status: 'max-reached', capacity: 20 });
  });

  it('stops after maxProbes with the best bracket so far', () => {
    const { probes, step } = search({ ...spec, maxProbes: 6 }, (v) => v <= 33.3);
    expect(probes).toHaveLength(6);
    expect(step).toEqual({ kind: 'done', status: 'probes-exhausted', capacity: 32 });
  });

  it('bisects whole concurrencies down to neighbours', () => {
    const { probes, step } = search(
      { ...spec, vary: 'concurrency', start: 2, tolerance: 0.01 },
      (v) => v <= 11,
      2,
    );
    expect(probes.map((p) => p.value)).toEqual([2, 4, 8, 16, 12, 10, 11]);
    expect(step).toEqual({ kind: 'done', status: 'found', capacity: 11 });
  });

  it('ignores a pass above a failure (noise) when bracketing', () => {
    const probes: Probe[] = [
      { value: 10, passed: true },
      { value: 20, passed: false },
      { value: 15, passed: false },
      { value: 12.5, passed: true },
      { value: 18, passed: true },
    ];
    const step = nextProbe(spec, probes);
    expect(step).toEqual({ kind: 'probe', value: 13.8 });
  });
});

it('roundProbe keeps 3 significant digits of a rate and whole concurrencies', () => {
  expect(roundProbe(33.3333, 'rate')).toBe(33.3);
  expect(roundProbe(0.123456, 'rate')).toBe(0.123);
  expect(roundProbe(1234.5, 'rate')).toBe(1235);
  expect(roundProbe(0.001, 'rate')).toBe(0.01);
  expect(roundProbe(7.5, 'concurrency')).toBe(8);
});

const lat = (p50: number, p99: number): LatencySummary => ({
  count: 100,
  mean: p50,
  stddev: 1,
  min: 1,
  max: p99,
  p50,
  p90: p99,
  p95: p99,
  p99,
  p999: p99,
});

function stage(over: Partial<StageSummary> = {}): StageSummary {
  return {
    index: 0,
    name: 'cap-1',
    mode: 'constant',
    concurrency: null,
    rate: { requestedPerS: 10, achievedPerS: 10, errorPct: 0, scheduled: 100, deliveryErrorPct: 0 },
    bounds: { durationS: 10, maxRequests: null, warmupS: 1, cooldownS: 1 },
    clientsExpected: 1,
    clientsReported: 1,
    windowS: 10,
    requests: { sent: 100, ok: 100, failed: 0, errors: {}, sentTotal: 110, errorsTotal: {} },
    throughput: { requestsPerS: 10, outputTokensPerS: 100, totalTokensPerS: 200 },
    goodput: null,
    tokens: {
      input: 1,
      output: 1,
      streamChunks: 1,
      usageMissing: 0,
      streamMismatch: 0,
      lengthShort: 0,
      exactOutputLength: true,
    },
    latencyMs: { ttft: lat(40, 180), e2e: lat(100, 300), tpot: lat(5, 8), itl: null, itlPerToken: null },
    serviceTimeMs: { ttft: null, e2e: null },
    scheduleLagMs: null,
    loadgen: { cpuCoresMax: 0.1, eventLoopUtilizationMax: 0.1, clampedValues: 0 },
    validity: { valid: true, failures: [] },
    ...over,
  };
}

describe('probeVerdict', () => {
  const slo = { ttft: { p99: 200 }, tpot: { p50: 10, p99: 20 } };
  it('passes when every SLO holds at its percentile and the stage is valid', () => {
    expect(probeVerdict({ slo }, 10, stage())).toEqual({ value: 10, passed: true, why: [] });
  });
  it('names each broken SLO', () => {
    const v = probeVerdict(
      { slo },
      10,
      stage({ latencyMs: { ...stage().latencyMs, ttft: lat(40, 612.34) } }),
    );
    expect(v).toEqual({ value: 10, passed: false, why: ['TTFT p99 612.3 ms > 200 ms'] });
  });
  it('fails an invalid stage, an over-saturated one, one without the metric, and one that never ran', () => {
    const invalid = stage({
      validity: {
        valid: false,
        failures: [{ rule: 'error-rate', message: '5% of 100 requests failed', figures: {} }],
      },
    });
    expect(probeVerdict({ slo }, 10, invalid).why).toEqual(['error-rate: 5% of 100 requests failed']);
    const saturated = stage({
      oversaturation: {
        detected: true,
        atS: 12,
        windowS: 11,
        inFlight: null,
        ttftMs: null,
        reason: 'in flight rising',
      },
      validity: {
        valid: false,
        failures: [{ rule: 'over-saturated', message: 'x', figures: {} }],
      },
    });
    expect(probeVerdict({ slo }, 10, saturated).why).toEqual(['over-saturated: in flight rising']);
    const noTpot = stage({ latencyMs: { ...stage().latencyMs, tpot: null } });
    expect(probeVerdict({ slo }, 10, noTpot).why).toEqual(['no TPOT was measured', 'no TPOT was measured']);
    expect(probeVerdict({ slo }, 10, null)).toEqual({
      value: 10,
      passed: false,
      why: ['the probe did not run'],
    });
  });
});

it('sloTable drops unset percentiles', () => {
  expect(sloTable({ ttft: { p99: 500, p50: undefined }, tpot: undefined })).toEqual({ ttft: { p99: 500 } });
});

function recipe(simulator: Record<string, unknown>, outputTokens = 21): Recipe {
  const parsed = parseRecipe({
    name: 'cap',
    service: { kind: 'simulator', simulator },
    workload: {
      kind: 'openai-chat',
      dataset: { synthetic: { inputTokens: 8, outputTokens } },
      stages: [{ mode: 'capacity-search', slo: { ttft: { p99: '200ms' } }, duration: '5s' }],
    },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.recipe;
}

describe('expectedCapacity', () => {
  it('is the slots over the service time: C / (TTFT + (n − 1) × ITL)', () => {
    // 4 slots, 20 ms + 20 × 5 ms = 120 ms: 33.33 req/s.
    const e = expectedCapacity(recipe({ maxConcurrency: 4, ttft: '20ms', itl: '5ms' }), 'rate');
    expect(e?.capacity).toBeCloseTo(33.333, 3);
    expect(e?.basis).toContain('4 slots / 120 ms service time');
    expect(expectedCapacity(recipe({ maxConcurrency: 4 }), 'concurrency')?.capacity).toBe(4);
  });
  it('counts the first chunk whole', () => {
    // 4 tokens per chunk: the first chunk carries 4, the 17 after it take 17 × 5 ms.
    const e = expectedCapacity(
      recipe({ maxConcurrency: 2, ttft: '20ms', itl: '5ms', tokensPerChunk: 4 }),
      'rate',
    );
    expect(e?.capacity).toBeCloseTo(2000 / 105, 6);
  });
  it('has none without a slot limit', () => {
    expect(expectedCapacity(recipe({}), 'rate')).toBeNull();
  });
});
