/**
 * Fake activities for the workflow tier: every call is recorded (name, input as the workflow sent
 * it, attempt, workflow time it was scheduled, what it returned or threw), defaults succeed at
 * once, and a test swaps in only the behaviour it is about. Plus recipe builders.
 */
import { Context } from '@temporalio/activity';
import { deploymentActivities } from '../../activities/deployment';
import type { BenchmarkActivities, FinishedClients } from '../../core/contract';
import type { Recipe, RecipeInput } from '../../core/recipe';
import { loadStageAt, stageConcurrency, stageName } from '../../core/recipe-read';
import { type BenchmarkSummary, type StageSummary, SUMMARY_SCHEMA } from '../../core/summary';

export type ActivityName = keyof BenchmarkActivities;
type Input<K extends ActivityName> = Parameters<BenchmarkActivities[K]>[0];
type Output<K extends ActivityName> = Awaited<ReturnType<BenchmarkActivities[K]>>;

export interface Call<K extends ActivityName = ActivityName> {
  /** Order in which attempts started, over all activities. */
  seq: number;
  name: K;
  input: Input<K>;
  attempt: number;
  /** Workflow (server) time this attempt was scheduled: skipped time shows here, unlike Date.now(). */
  scheduledAtMs: number;
  outcome?: { ok: true; value: Output<K> } | { ok: false; error: string };
}

export type FakeOverrides = { [K in ActivityName]?: (input: Input<K>, call: Call<K>) => Promise<Output<K>> };

export const SERVICE_ENDPOINT = {
  host: '10.1.2.3',
  port: 18_123,
  address: '10.1.2.3:18123',
  url: 'http://10.1.2.3:18123',
};

/** A distinct, valid summary per stage, so that order and provenance are checkable. */
export function fakeStageSummary(recipe: Recipe, index: number): StageSummary {
  const stage = loadStageAt(recipe, index);
  const ok = 1000 * (index + 1) + 7;
  return {
    index,
    name: stageName(recipe, index),
    mode: stage.mode,
    concurrency: stageConcurrency(stage),
    rate: {
      requestedPerS: null,
      achievedPerS: ok / 10,
      errorPct: null,
      scheduled: null,
      deliveryErrorPct: null,
    },
    bounds: {
      durationS: (stage.duration ?? 0) / 1000,
      maxRequests: null,
      warmupS: stage.warmup / 1000,
      cooldownS: stage.cooldown / 1000,
    },
    clientsExpected: recipe.workload.clients.count,
    clientsReported: recipe.workload.clients.count,
    windowS: (stage.duration ?? 0) / 1000,
    requests: {
      sent: ok + index,
      ok,
      failed: index,
      errors: index ? { timeout: index } : {},
      sentTotal: ok + index,
      errorsTotal: index ? { timeout: index } : {},
    },
    throughput: { requestsPerS: ok / 10, outputTokensPerS: ok * 12.8, totalTokensPerS: ok * 25.6 },
    goodput: null,
    tokens: {
      input: ok * 128,
      output: ok * 128,
      streamChunks: ok * 128,
      usageMissing: 0,
      streamMismatch: 0,
      lengthShort: 0,
      exactOutputLength: true,
    },
    latencyMs: { ttft: null, e2e: null, tpot: null, itl: null, itlPerToken: null },
    serviceTimeMs: { ttft: null, e2e: null },
    scheduleLagMs: null,
    loadgen: { cpuCoresMax: 0.5, eventLoopUtilizationMax: 0.4, clampedValues: 0 },
  };
}

export function fakeFinishedClients(input: Input<'finishClients'>): FinishedClients {
  // Tagged with the stage, so collectMetrics can check it got this stage's clients.
  return { results: [], missing: [{ index: input.stageIndex, reason: `fake clients of ${input.job.name}` }] };
}

const defaults: { [K in ActivityName]: (input: Input<K>, call: Call<K>) => Promise<Output<K>> } = {
  async pullImage(input) {
    return { image: String((input.service as { image?: string }).image), file: 'image.sif' };
  },
  async submitService(input) {
    return { id: 'svc-1', name: `${input.ownerId}-service`, benchmarkId: input.ownerId, tasks: 1 };
  },
  async waitForHealth() {
    return { ...SERVICE_ENDPOINT };
  },
  async checkService() {
    return { state: 'RUNNING', ended: false };
  },
  // The real one: it asks the deployment workflow through the worker's client.
  attachDeployment: (input) => deploymentActivities().attachDeployment(input),
  async startClients(input) {
    return {
      id: 'clients-1',
      name: `${input.benchmarkId}-clients`,
      benchmarkId: input.benchmarkId,
      tasks: input.recipe.workload.clients.count,
    };
  },
  // Every client ready at once: the common start is 2 s after the call, on workflow time.
  async startStage(input, call) {
    return {
      startAtMs: call.scheduledAtMs + 2000,
      clients: Array.from({ length: input.job.tasks }, (_, i) => i),
      missing: [],
      ...(input.stageIndex === 0 ? { queueWaitMs: 0 } : {}),
    };
  },
  async checkClients() {
    return { state: 'RUNNING', ended: false };
  },
  async finishClients(input) {
    return fakeFinishedClients(input);
  },
  async collectMetrics(input) {
    return {
      ...fakeStageSummary(input.recipe, input.stageIndex),
      ...(input.origin ? { origin: input.origin } : {}),
      ...(input.oversaturation ? { oversaturation: input.oversaturation } : {}),
    };
  },
  async releaseClients() {},
  async writeResults(input) {
    return {
      schema: SUMMARY_SCHEMA,
      benchmarkId: input.benchmarkId,
      recipeName: input.recipe.name,
      status: input.status,
      startedAt: new Date(input.startedAtMs).toISOString(),
      finishedAt: '2030-01-01T00:00:00.000Z',
      executor: input.recipe.target.executor,
      service: {
        kind: input.recipe.service.kind,
        model: 'aifb-sim',
        endpoint: input.endpoint,
        ...(input.deployment ? { deployment: input.deployment } : {}),
      },
      stages: input.stages,
      collectedOn: { hostname: 'fake-host', cpus: 1, node: process.version },
      ...(input.error === undefined ? {} : { error: input.error }),
    } satisfies BenchmarkSummary;
  },
  // Returns at once: an outstanding activity would stop the test server from skipping time.
  async relayTelemetry() {},
  async flushLogs() {},
  async teardown() {
    return { cancelled: [] };
  },
};

export interface Fakes {
  activities: BenchmarkActivities;
  calls: Call[];
  /** Attempts of one activity, in order. */
  callsTo<K extends ActivityName>(name: K): Call<K>[];
  /** Names of all attempts, in order. */
  names(): ActivityName[];
  /** Index in `calls` of the first attempt of `name` (-1 if none). */
  firstIndexOf(name: ActivityName): number;
  lastIndexOf(name: ActivityName): number;
}

export function createFakes(overrides: FakeOverrides = {}): Fakes {
  const calls: Call[] = [];
  const wrap = <K extends ActivityName>(name: K) => {
    const impl = (overrides[name] ?? defaults[name]) as (
      input: Input<K>,
      call: Call<K>,
    ) => Promise<Output<K>>;
    return async (input: Input<K>): Promise<Output<K>> => {
      const info = Context.current().info;
      const call: Call<K> = {
        seq: calls.length,
        name,
        input,
        attempt: info.attempt,
        scheduledAtMs: info.currentAttemptScheduledTimestampMs,
      };
      calls.push(call as unknown as Call);
      try {
        const value = await impl(input, call);
        call.outcome = { ok: true, value };
        return value;
      } catch (err) {
        call.outcome = { ok: false, error: err instanceof Error ? err.message : String(err) };
        throw err;
      }
    };
  };
  const names = Object.keys(defaults) as ActivityName[];
  const activities = Object.fromEntries(names.map((n) => [n, wrap(n)])) as unknown as BenchmarkActivities;
  return {
    activities,
    calls,
    callsTo: <K extends ActivityName>(name: K) =>
      calls.filter((c) => c.name === name) as unknown as Call<K>[],
    names: () => calls.map((c) => c.name),
    firstIndexOf: (name) => calls.findIndex((c) => c.name === name),
    lastIndexOf: (name) => calls.findLastIndex((c) => c.name === name),
  };
}

export interface StageInput {
  name?: string;
  duration: string;
  warmup?: string;
  cooldown?: string;
}

/** A valid recipe (input form, as a client sends it) with the given stages. */
export function recipeWith(name: string, stages: StageInput[]): RecipeInput {
  return {
    name,
    service: { kind: 'simulator', health: { timeout: '20m' } },
    workload: {
      kind: 'openai-chat',
      clients: { count: 2 },
      stages: stages.map((s) => ({
        mode: 'concurrency' as const,
        concurrency: 4,
        ...(s.name ? { name: s.name } : {}),
        duration: s.duration,
        warmup: s.warmup ?? '0s',
        cooldown: s.cooldown ?? '5s',
      })),
    },
  };
}

/**
 * The two-stage recipe of the happy path and of the recorded histories: short stages, so the
 * histories stay small, but long enough (5 s; checks every 2 s) that each stage polls its clients.
 */
export function twoStageRecipe(): RecipeInput {
  return recipeWith('two-stages', [
    { name: 'warm', duration: '5s' },
    { name: 'hot', duration: '5s', warmup: '1s' },
  ]);
}
