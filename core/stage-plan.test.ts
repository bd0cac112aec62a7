import { describe, expect, it } from 'vitest';
import { planResults } from './plan-results';
import { parseRecipe, type Recipe, type RecipeInput } from './recipe';
import {
  knownStageCount,
  nextStage,
  type PlannedStage,
  runRecipe,
  type StageRecord,
  stageMayFollow,
  sweepRates,
} from './stage-plan';
import type { LatencySummary, StageSummary } from './summary-format';

function recipe(stages: unknown[], extra: Record<string, unknown> = {}): Recipe {
  const input = {
    name: 'plan',
    service: { kind: 'simulator' },
    workload: { kind: 'openai-chat', stages, ...extra },
  } as RecipeInput;
  const parsed = parseRecipe(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.recipe;
}

const lat = (v: number): LatencySummary => ({
  count: 10,
  mean: v,
  stddev: 0,
  min: v,
  max: v,
  p50: v,
  p90: v,
  p95: v,
  p99: v,
  p999: v,
});

/** A summary of `planned` as a service with this throughput and TTFT would give. */
function summarize(index: number, planned: PlannedStage, requestsPerS: number, ttftMs: number): StageSummary {
  const spec = planned.spec;
  return {
    index,
    name: spec.name,
    mode: spec.mode,
    concurrency: spec.mode === 'concurrency' ? spec.concurrency : null,
    rate: {
      requestedPerS: 'rate' in spec ? spec.rate : null,
      achievedPerS: requestsPerS,
      errorPct: 0,
      scheduled: null,
      deliveryErrorPct: 0,
    },
    bounds: { durationS: 5, maxRequests: null, warmupS: 0, cooldownS: 1 },
    clientsExpected: 1,
    clientsReported: 1,
    windowS: 5,
    requests: { sent: 50, ok: 50, failed: 0, errors: {}, sentTotal: 50, errorsTotal: {} },
    throughput: { requestsPerS, outputTokensPerS: requestsPerS * 10, totalTokensPerS: requestsPerS * 20 },
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
    latencyMs: { ttft: lat(ttftMs), e2e: lat(ttftMs * 2), tpot: lat(5), itl: lat(5), itlPerToken: lat(5) },
    serviceTimeMs: { ttft: null, e2e: null },
    scheduleLagMs: null,
    loadgen: { cpuCoresMax: 0.1, eventLoopUtilizationMax: 0.1, clampedValues: 0 },
    validity: { valid: true, failures: [] },
    origin: planned.origin,
  };
}

/**
 * Runs the plan against a model service: `serve(stage)` gives its throughput and TTFT. Returns
 * every planned stage and the summaries, as the workflow would keep them.
 */
function run(r: Recipe, serve: (p: PlannedStage) => { perS: number; ttftMs: number }) {
  const history: StageRecord[] = [];
  for (let guard = 0; guard < 500; guard++) {
    const planned = nextStage(r, history);
    if (!planned) return { history, stages: history.map((h) => h.summary!) };
    const { perS, ttftMs } = serve(planned);
    history.push({ planned, summary: summarize(history.length, planned, perS, ttftMs) });
  }
  throw new Error('the plan never ended');
}

/** A service that does 40 req/s at most; TTFT 20 ms below that, 2 s above. */
const capacity40 = (p: PlannedStage) => {
  const s = p.spec;
  const asked =
    'rate' in s
      ? s.rate
      : s.mode === 'synchronous'
        ? 8
        : s.mode === 'throughput'
          ? 40
          : s.mode === 'concurrency'
            ? s.concurrency * 8
            : 40;
  return { perS: Math.min(asked, 40), ttftMs: asked <= 40 ? 20 : 2000 };
};

describe('nextStage', () => {
  it('plain stages are themselves, named as before', () => {
    const r = recipe([
      { mode: 'concurrency', concurrency: 2, duration: '5s' },
      { name: 'c4', mode: 'concurrency', concurrency: 4, duration: '5s' },
    ]);
    const { history } = run(r, capacity40);
    expect(history.map((h) => h.planned.spec.name)).toEqual(['stage-0', 'c4']);
    expect(history[1]!.planned.origin).toEqual({
      recipeIndex: 1,
      recipeStage: 'c4',
      kind: 'stage',
      series: 'c4',
    });
  });

  it('a steps sweep measures the synchronous rate and the throughput, then N rates between them', () => {
    const r = recipe([{ name: 'sw', mode: 'sweep', steps: 4, duration: '5s', cooldown: '1s' }]);
    const { history } = run(r, capacity40);
    expect(history.map((h) => h.planned.spec.name)).toEqual([
      'sw-sync',
      'sw-max',
      'sw-1',
      'sw-2',
      'sw-3',
      'sw-4',
    ]);
    expect(history[0]!.planned.spec).toMatchObject({ mode: 'synchronous', duration: 5000, cooldown: 1000 });
    expect(history[1]!.planned.spec).toMatchObject({ mode: 'throughput', maxConcurrency: 256 });
    // Linear from 8 to 40 in 5 intervals: 14.4, 20.8, 27.2, 33.6.
    expect(history.slice(2).map((h) => h.planned.spec)).toEqual(
      [14.4, 20.8, 27.2, 33.6].map((rate) =>
        expect.objectContaining({ mode: 'constant', rate, stopWhenOversaturated: true }),
      ),
    );
    expect(history.map((h) => h.planned.origin.role)).toEqual([
      'synchronous',
      'throughput',
      'rate',
      'rate',
      'rate',
      'rate',
    ]);
  });

  it('sweep rates: linear and geometric', () => {
    expect(sweepRates(1, 16, 3, 'linear')).toEqual([4.75, 8.5, 12.3]);
    expect(sweepRates(1, 16, 3, 'geometric')).toEqual([2, 4, 8]);
  });

  it('a sweep whose throughput is not above its synchronous rate makes no rates', () => {
    const r = recipe([{ name: 'sw', mode: 'sweep', steps: 3, duration: '5s' }]);
    const { history, stages } = run(r, () => ({ perS: 5, ttftMs: 20 }));
    expect(history.map((h) => h.planned.spec.name)).toEqual(['sw-sync', 'sw-max']);
    expect(planResults(r, stages).sweeps?.[0]?.note).toMatch(/not above the synchronous rate/);
  });

  it('a list sweep runs each rate or concurrency', () => {
    const r = recipe([
      { name: 'r', mode: 'sweep', rates: [1, 2.5], arrivals: 'poisson', duration: '5s' },
      { name: 'c', mode: 'sweep', concurrencies: [1, 8], duration: '5s' },
    ]);
    const { history, stages } = run(r, capacity40);
    expect(history.map((h) => [h.planned.spec.name, h.planned.spec.mode])).toEqual([
      ['r-1', 'poisson'],
      ['r-2', 'poisson'],
      ['c-1', 'concurrency'],
      ['c-2', 'concurrency'],
    ]);
    expect(planResults(r, stages).sweeps).toEqual([
      expect.objectContaining({ stage: 'r', rates: [1, 2.5], concurrencies: [], stages: ['r-1', 'r-2'] }),
      expect.objectContaining({ stage: 'c', rates: [], concurrencies: [1, 8] }),
    ]);
  });

  it('a capacity search probes until the bracket is within the tolerance, each probe a stage', () => {
    const r = recipe([
      { name: 'warm', mode: 'concurrency', concurrency: 1, duration: '5s' },
      { name: 'cap', mode: 'capacity-search', start: 5, slo: { ttft: { p99: '500ms' } }, duration: '5s' },
      { name: 'after', mode: 'synchronous', duration: '5s' },
    ]);
    const { history, stages } = run(r, capacity40);
    const names = history.map((h) => h.planned.spec.name);
    expect(names[0]).toBe('warm');
    expect(names.at(-1)).toBe('after');
    const probes = history.filter((h) => h.planned.origin.role === 'probe').map((h) => h.planned.spec);
    expect(probes.map((p) => ('rate' in p ? p.rate : 0))).toEqual([
      5, 10, 20, 40, 80, 60, 50, 45, 42.5, 41.3,
    ]);
    expect(probes.map((p) => p.name)).toEqual(Array.from({ length: 10 }, (_, k) => `cap-${k + 1}`));
    const [result] = planResults(r, stages).searches!;
    expect(result).toMatchObject({
      stage: 'cap',
      status: 'found',
      capacity: 40,
      lowestFailed: 41.3,
      unit: 'req/s',
    });
    expect(result!.probes[4]).toEqual({
      stage: 'cap-5',
      value: 80,
      passed: false,
      why: ['TTFT p99 2000 ms > 500 ms'],
    });
  });

  it('a concurrency search probes whole concurrencies', () => {
    const r = recipe([
      {
        name: 'cap',
        mode: 'capacity-search',
        vary: 'concurrency',
        start: 1,
        slo: { ttft: { p99: '500ms' } },
        duration: '5s',
      },
    ]);
    const { history } = run(r, capacity40);
    expect(history.map((h) => h.planned.spec)).toEqual(
      [1, 2, 4, 8, 6, 5].map((concurrency) => expect.objectContaining({ mode: 'concurrency', concurrency })),
    );
  });

  it('repeat runs every stage again with its repetition in the name and the same series', () => {
    const r = recipe(
      [
        { name: 'c2', mode: 'concurrency', concurrency: 2, duration: '5s' },
        {
          name: 'cap',
          mode: 'capacity-search',
          start: 20,
          slo: { ttft: { p99: '500ms' } },
          duration: '5s',
          maxProbes: 3,
        },
      ],
      { repeat: 2 },
    );
    const { history } = run(r, capacity40);
    expect(history.map((h) => h.planned.spec.name)).toEqual([
      'c2-rep1',
      'cap-1-rep1',
      'cap-2-rep1',
      'cap-3-rep1',
      'c2-rep2',
      'cap-1-rep2',
      'cap-2-rep2',
      'cap-3-rep2',
    ]);
    expect(history[4]!.planned.origin).toMatchObject({ repetition: 2, series: 'c2' });
    expect(history[7]!.planned.origin).toMatchObject({ repetition: 2, series: 'cap-3', role: 'probe' });
  });

  it('runRecipe gives the activities the loads so far; knownStageCount grows with a search', () => {
    const r = recipe([
      { name: 'sw', mode: 'sweep', steps: 2, duration: '5s' },
      { name: 'cap', mode: 'capacity-search', slo: { ttft: { p99: '500ms' } }, duration: '5s' },
    ]);
    expect(knownStageCount(r, [])).toBe(5);
    const history: StageRecord[] = [];
    const first = nextStage(r, history)!;
    history.push({ planned: first, summary: summarize(0, first, 8, 20) });
    const second = nextStage(r, history)!;
    const run1 = runRecipe(r, [first, second]);
    expect(run1.workload.stages.map((s) => s.name)).toEqual(['sw-sync', 'sw-max']);
    expect(r.workload.stages).toHaveLength(2); // the plan itself is untouched
    const { history: all } = run(r, capacity40);
    expect(knownStageCount(r, all)).toBe(all.length);
  });

  it('a stage that never ran fails its probe and the search goes on', () => {
    const r = recipe([
      { name: 'cap', mode: 'capacity-search', start: 10, slo: { ttft: { p99: '500ms' } }, duration: '5s' },
    ]);
    const first = nextStage(r, [])!;
    const second = nextStage(r, [{ planned: first, summary: null }]);
    expect(second?.spec).toMatchObject({ name: 'cap-2', rate: 5 });
  });
});

describe('planResults', () => {
  it('reports each search with the analytic capacity of the simulator', () => {
    const parsed = parseRecipe({
      name: 'plan',
      service: { kind: 'simulator', simulator: { maxConcurrency: 4, ttft: '20ms', itl: '5ms' } },
      workload: {
        kind: 'openai-chat',
        dataset: { synthetic: { inputTokens: 8, outputTokens: 21 } },
        stages: [
          { name: 'cap', mode: 'capacity-search', start: 5, slo: { ttft: { p99: '500ms' } }, duration: '5s' },
        ],
      },
    });
    if (!parsed.ok) throw new Error('bad');
    const { stages } = run(parsed.recipe, capacity40);
    const [search] = planResults(parsed.recipe, stages).searches!;
    expect(search!.expected?.capacity).toBeCloseTo(33.33, 2);
  });

  it('a search the run stopped part way reports its best so far', () => {
    const r = recipe([
      { name: 'cap', mode: 'capacity-search', start: 10, slo: { ttft: { p99: '500ms' } }, duration: '5s' },
    ]);
    const { stages } = run(r, capacity40);
    const [search] = planResults(r, stages.slice(0, 3)).searches!;
    expect(search).toMatchObject({ status: 'stopped', capacity: 40, lowestFailed: null });
  });

  it('repeats: each figure of each series with its 95% interval, and the capacity', () => {
    const r = recipe(
      [
        { name: 'c2', mode: 'concurrency', concurrency: 2, duration: '5s' },
        {
          name: 'cap',
          mode: 'capacity-search',
          start: 30,
          slo: { ttft: { p99: '500ms' } },
          duration: '5s',
          tolerance: 0.5,
        },
      ],
      { repeat: 3 },
    );
    // Each repetition a little different: 10, 12, 14 req/s for c2, and capacities 40, 44, 48
    // (found as 30, 30, 45 at a 50% tolerance).
    let c2 = 8;
    let cap = 36;
    const { stages } = run(r, (p) => {
      if (p.origin.series === 'c2') {
        c2 += 2;
        cap += 4;
        return { perS: c2, ttftMs: 20 };
      }
      const rate = 'rate' in p.spec ? p.spec.rate : 0;
      return { perS: rate, ttftMs: rate <= cap ? 20 : 2000 };
    });
    const repeats = planResults(r, stages).repeats!;
    expect(repeats).toMatchObject({ count: 3, fresh: false, confidence: 0.95 });
    const c2Series = repeats.stages.find((s) => s.series === 'c2')!;
    expect(c2Series.stages).toEqual(['c2-rep1', 'c2-rep2', 'c2-rep3']);
    // 10, 12, 14: mean 12, s = 2, t(0.975, 2) · 2/√3 = 4.9683.
    expect(c2Series.figures.requestsPerS).toMatchObject({ n: 3, mean: 12 });
    expect(c2Series.figures.requestsPerS!.halfWidth).toBeCloseTo(4.9683, 3);
    expect(c2Series.figures.ttftP99Ms).toMatchObject({ n: 3, mean: 20, halfWidth: 0 });
    const capacities = planResults(r, stages).searches!.map((s) => s.capacity);
    expect(capacities).toEqual([30, 30, 45]);
    expect(repeats.searches).toEqual([
      { stage: 'cap', capacity: expect.objectContaining({ n: 3, mean: 35 }) },
    ]);
  });
});

describe('recipe checks for generated stages', () => {
  const base = { name: 'x', service: { kind: 'simulator' } };
  const issues = (stages: unknown[], extra: Record<string, unknown> = {}) => {
    const parsed = parseRecipe({ ...base, workload: { kind: 'openai-chat', stages, ...extra } });
    return parsed.ok ? [] : parsed.issues;
  };
  it('a sweep takes exactly one of steps, rates or concurrencies', () => {
    expect(issues([{ mode: 'sweep', duration: '5s' }])).toEqual([
      {
        path: 'workload.stages.0.steps',
        message: 'a sweep takes exactly one of steps, rates or concurrencies',
      },
    ]);
    expect(issues([{ mode: 'sweep', steps: 2, rates: [1], duration: '5s' }])[0]?.path).toBe(
      'workload.stages.0.rates',
    );
  });
  it("a name a sweep or search makes may not be another stage's", () => {
    expect(
      issues([
        { name: 'sw', mode: 'sweep', steps: 2, duration: '5s' },
        { name: 'sw-max', mode: 'synchronous', duration: '5s' },
      ]),
    ).toEqual([{ path: 'workload.stages.1.name', message: 'duplicate stage name "sw-max"' }]);
  });
  it('a concurrency search starts at a whole number no lower than the clients', () => {
    const found = issues(
      [
        {
          mode: 'capacity-search',
          vary: 'concurrency',
          start: 1.5,
          slo: { ttft: { p99: '1s' } },
          duration: '5s',
        },
      ],
      { clients: { count: 2 } },
    );
    expect(found.map((i) => i.path)).toEqual(['workload.stages.0.start', 'workload.stages.0.start']);
  });
  it('a search needs an SLO', () => {
    expect(issues([{ mode: 'capacity-search', slo: {}, duration: '5s' }])[0]?.path).toBe(
      'workload.stages.0.slo',
    );
    expect(issues([{ mode: 'capacity-search', slo: { ttft: {} }, duration: '5s' }])[0]?.path).toBe(
      'workload.stages.0.slo.ttft',
    );
  });
  it('bounds the stages a run can make', () => {
    const found = issues(
      [{ mode: 'capacity-search', slo: { ttft: { p99: '1s' } }, duration: '5s', maxProbes: 100 }],
      {
        repeat: 4,
      },
    );
    expect(found).toEqual([
      { path: 'workload.stages', message: expect.stringContaining('could make 400 stages; at most 140') },
    ]);
  });
  it('repeat: a number or { count, fresh }', () => {
    const ok = parseRecipe({
      ...base,
      workload: {
        kind: 'openai-chat',
        stages: [{ mode: 'synchronous', duration: '5s' }],
        repeat: { count: 3, fresh: true },
      },
    });
    expect(ok.ok && ok.recipe.workload.repeat).toEqual({ count: 3, fresh: true });
    expect(issues([{ mode: 'synchronous', duration: '5s' }], { repeat: 0 })[0]?.path).toBe('workload.repeat');
  });
});

describe('stageMayFollow', () => {
  it('is false only after a plan surely ended', () => {
    const r = recipe([
      { name: 'a', mode: 'synchronous', duration: '5s' },
      { name: 'sw', mode: 'sweep', rates: [1, 2], duration: '5s' },
    ]);
    const { history } = run(r, capacity40);
    const follows = history.map((_, k) => stageMayFollow(r, history.slice(0, k + 1)));
    expect(follows).toEqual([true, true, false]);
    const search = recipe([
      { name: 'cap', mode: 'capacity-search', slo: { ttft: { p99: '1s' } }, duration: '5s' },
    ]);
    const first = nextStage(search, [])!;
    expect(stageMayFollow(search, [{ planned: first, summary: null }])).toBe(true);
    const plain = recipe([{ mode: 'synchronous', duration: '5s' }], { repeat: 2 });
    const one = nextStage(plain, [])!;
    expect(stageMayFollow(plain, [{ planned: one, summary: null }])).toBe(true);
  });
});
