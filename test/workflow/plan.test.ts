/**
 * Stages the workflow makes as it goes (core/stage-plan.ts), against fake activities on the
 * time-skipping server: a capacity search whose probes follow the verdicts of a modelled
 * service, a sweep from its measured bounds, the over-saturation stop, and repetitions.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BenchmarkStatus, statusQuery } from '../../core/contract';
import type { RecipeInput } from '../../core/recipe';
import { loadStageAt } from '../../core/recipe-read';
import type { LatencySummary, OversaturationVerdict } from '../../core/summary-format';
import { createFakes, fakeStageSummary } from './fakes';
import { bundleWorkflows, createTimeSkippingEnv, withWorker } from './harness';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let ready: Promise<[TestWorkflowEnvironment, WorkflowBundleWithSourceMap]>;

beforeAll(() => {
  ready = Promise.all([createTimeSkippingEnv(), bundleWorkflows()]);
  ready.catch(() => undefined);
});
beforeEach(async () => {
  [env, bundle] = await ready;
});
afterAll(async () => {
  await (await ready.catch(() => undefined))?.[0].teardown();
});

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

function recipe(stages: unknown[], extra: Record<string, unknown> = {}): RecipeInput {
  return {
    name: 'plan',
    service: { kind: 'simulator' },
    workload: { kind: 'openai-chat', clients: { count: 1 }, stages, ...extra },
  } as RecipeInput;
}

/**
 * A modelled service that serves `capacity` req/s: below it TTFT is 20 ms, above it 2 s; a
 * synchronous stage does 8 req/s, a throughput stage the capacity.
 */
function modelled(capacity: number) {
  return createFakes({
    async collectMetrics(input) {
      const stage = loadStageAt(input.recipe, input.stageIndex);
      const asked =
        'rate' in stage
          ? stage.rate
          : stage.mode === 'synchronous'
            ? 8
            : stage.mode === 'throughput'
              ? capacity
              : 0;
      const base = fakeStageSummary(input.recipe, input.stageIndex);
      return {
        ...base,
        rate: { ...base.rate, requestedPerS: 'rate' in stage ? stage.rate : null },
        throughput: { ...base.throughput, requestsPerS: Math.min(asked, capacity) },
        latencyMs: { ...base.latencyMs, ttft: lat(asked <= capacity ? 20 : 2000) },
        validity: { valid: true, failures: [] },
        ...(input.origin ? { origin: input.origin } : {}),
      };
    },
  });
}

describe('stages made during the run', () => {
  it('a capacity search: each probe a stage, decided from the previous verdict; the found capacity in the summary', async () => {
    const fakes = modelled(33.3);
    const input = recipe([
      { name: 'c1', mode: 'concurrency', concurrency: 1, duration: '5s' },
      {
        name: 'cap',
        mode: 'capacity-search',
        start: 4,
        slo: { ttft: { p99: '500ms' } },
        duration: '10s',
        cooldown: '1s',
      },
    ]);
    const counts: number[] = [];
    const result = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(input);
      // The stage count grows with the probes (each query while it runs).
      const poll = setInterval(() => {
        handle
          .query(statusQuery)
          .then((s: BenchmarkStatus) => counts.push(s.stageCount))
          .catch(() => undefined);
      }, 50);
      try {
        return await handle.result();
      } finally {
        clearInterval(poll);
      }
    });
    const probes = result.stages.filter((s) => s.origin?.role === 'probe');
    expect(probes.map((s) => s.name)).toEqual(Array.from({ length: 10 }, (_, k) => `cap-${k + 1}`));
    const starts = fakes.callsTo('startStage');
    // Each stage handed to the clients at its own index, the recipe holding the loads so far.
    expect(starts.map((c) => c.input.stageIndex)).toEqual(Array.from({ length: 11 }, (_, k) => k));
    expect(starts.map((c) => c.input.recipe.workload.stages.length)).toEqual(
      Array.from({ length: 11 }, (_, k) => k + 1),
    );
    const rates = starts.slice(1).map((c) => loadStageAt(c.input.recipe, c.input.stageIndex));
    expect(rates.map((s) => ('rate' in s ? s.rate : null))).toEqual([4, 8, 16, 32, 64, 48, 40, 36, 34, 33]);
    expect(probes.map((s) => s.origin?.probe?.passed)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(probes[4]!.origin?.probe?.why).toEqual(['TTFT p99 2000 ms > 500 ms']);
    // No probe could know it was the last: the clients are released after the search ended.
    expect(fakes.callsTo('finishClients').every((c) => c.input.last === false)).toBe(true);
    expect(fakes.callsTo('releaseClients')).toHaveLength(1);
    expect(fakes.lastIndexOf('releaseClients')).toBeLessThan(fakes.firstIndexOf('writeResults'));
    // The plan recipe (not the loads) is what results are written with; the stages carry origins.
    const write = fakes.callsTo('writeResults')[0]!.input;
    expect(write.recipe.workload.stages.map((s) => s.mode)).toEqual(['concurrency', 'capacity-search']);
    expect(result.status).toBe('completed');
    expect(Math.max(...counts)).toBe(11);
    expect(counts[0]).toBeLessThanOrEqual(2);
  });

  it('a sweep: synchronous, throughput, then the rates between them', async () => {
    const fakes = modelled(40);
    const input = recipe([{ name: 'sw', mode: 'sweep', steps: 4, duration: '10s', cooldown: '1s' }]);
    const result = await withWorker(env, bundle, fakes.activities, (w) =>
      w.start(input).then((h) => h.result()),
    );
    expect(result.stages.map((s) => s.name)).toEqual(['sw-sync', 'sw-max', 'sw-1', 'sw-2', 'sw-3', 'sw-4']);
    const loads = fakes.callsTo('startStage').map((c) => loadStageAt(c.input.recipe, c.input.stageIndex));
    expect(loads.map((s) => s.mode)).toEqual([
      'synchronous',
      'throughput',
      'constant',
      'constant',
      'constant',
      'constant',
    ]);
    expect(loads.slice(2).map((s) => ('rate' in s ? s.rate : null))).toEqual([14.4, 20.8, 27.2, 33.6]);
    // A sweep of known length tells the clients on its last stage.
    expect(fakes.callsTo('finishClients').map((c) => c.input.last)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(fakes.callsTo('releaseClients')).toHaveLength(0);
  });

  it('the over-saturation stop ends a stage at the check that sees it; the run goes on', async () => {
    const verdict: OversaturationVerdict = {
      detected: true,
      atS: 14,
      windowS: 13,
      inFlight: null,
      ttftMs: null,
      reason: 'in flight rising',
    };
    const fakes = createFakes({
      async checkClients(input) {
        // Only the stage that asked for it gets a verdict.
        return input.oversaturation
          ? { state: 'RUNNING', ended: false, oversaturation: verdict }
          : { state: 'RUNNING', ended: false };
      },
    });
    const input = recipe([
      { name: 'hot', mode: 'constant', rate: 100, duration: '1h', stopWhenOversaturated: true },
      { name: 'after', mode: 'concurrency', concurrency: 1, duration: '30s' },
    ]);
    await withWorker(env, bundle, fakes.activities, (w) => w.start(input).then((h) => h.result()));
    const checks = fakes.callsTo('checkClients');
    expect(checks[0]!.input.oversaturation).toEqual({ startAtMs: expect.any(Number) });
    expect(checks.filter((c) => c.input.stageIndex === 0)).toHaveLength(1);
    expect(
      checks.filter((c) => c.input.stageIndex === 1).every((c) => c.input.oversaturation === undefined),
    ).toBe(true);
    const finish = fakes.callsTo('finishClients');
    expect(finish.map((c) => [c.input.stageIndex, c.input.stopNow])).toEqual([
      [0, true],
      [1, false],
    ]);
    // Checked within 5 s of its start (an hour-long stage checks each 5 s with the stop on), not after an hour.
    const start = fakes.callsTo('startStage')[0]!;
    expect(finish[0]!.scheduledAtMs - start.scheduledAtMs).toBeLessThan(30_000);
    expect(fakes.callsTo('collectMetrics')[0]!.input.oversaturation).toEqual(verdict);
  });

  it('repeat: the stages again, named by repetition', async () => {
    const fakes = createFakes();
    const input = recipe([{ name: 'c1', mode: 'concurrency', concurrency: 1, duration: '5s' }], {
      repeat: 3,
    });
    const result = await withWorker(env, bundle, fakes.activities, (w) =>
      w.start(input).then((h) => h.result()),
    );
    expect(result.stages.map((s) => s.name)).toEqual(['c1-rep1', 'c1-rep2', 'c1-rep3']);
    expect(result.stages.map((s) => s.origin?.repetition)).toEqual([1, 2, 3]);
    expect(fakes.callsTo('startClients')).toHaveLength(1);
    expect(fakes.callsTo('submitService')).toHaveLength(1);
  });

  it('repeat with fresh: each repetition a child benchmark with its own service, stages gathered in the parent', async () => {
    const fakes = createFakes();
    const input = recipe([{ name: 'c1', mode: 'concurrency', concurrency: 1, duration: '5s' }], {
      repeat: { count: 2, fresh: true },
    });
    const { result, workflowId } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(input);
      return { result: await handle.result(), workflowId: handle.workflowId };
    });
    expect(fakes.callsTo('submitService').map((c) => c.input.ownerId)).toEqual([
      `${workflowId}-rep1`,
      `${workflowId}-rep2`,
    ]);
    // Each child tears its own jobs down before the next one deploys.
    const names = fakes.names();
    expect(names.indexOf('teardown')).toBeLessThan(names.lastIndexOf('submitService'));
    expect(fakes.callsTo('teardown').map((c) => c.input.ownerId)).toEqual([
      `${workflowId}-rep1`,
      `${workflowId}-rep2`,
    ]);
    expect(result.stages.map((s) => [s.index, s.name, s.origin?.repetition, s.origin?.series])).toEqual([
      [0, 'c1-rep1', 1, 'c1'],
      [1, 'c1-rep2', 2, 'c1'],
    ]);
    const writes = fakes.callsTo('writeResults');
    expect(writes.map((c) => c.input.benchmarkId)).toEqual([
      `${workflowId}-rep1`,
      `${workflowId}-rep2`,
      workflowId,
    ]);
    expect(writes[2]!.input.recipe.workload.repeat).toEqual({ count: 2, fresh: true });
    expect(writes[0]!.input.recipe.workload.repeat).toEqual({ count: 1, fresh: false });
  });
});
