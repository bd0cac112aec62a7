/**
 * The benchmark workflow against fake activities on the time-skipping test server: stages of
 * hours run in seconds, because the workflow waits them out on durable timers.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BenchmarkStatus } from '../../core/contract';
import { clientsEndedSignal, statusQuery, stopSignal, stopStageSignal } from '../../core/contract';
import { parseRecipe, type Recipe } from '../../core/recipe';
import { createFakes, fakeStageSummary, recipeWith, SERVICE_ENDPOINT, twoStageRecipe } from './fakes';
import { bundleWorkflows, createTimeSkippingEnv, phaseAt, waitForStatus, withWorker } from './harness';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let ready: Promise<[TestWorkflowEnvironment, WorkflowBundleWithSourceMap]>;

// Set up once, awaited by every test: if the test server is missing, each test fails with the
// message saying to run `make setup` (a failing beforeAll would only mark them skipped).
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

/** The recipe as the workflow sees it after validation (defaults filled, durations in ms). */
function parsed(input: unknown): Recipe {
  const result = parseRecipe(input);
  if (!result.ok) throw new Error(`test recipe is invalid: ${JSON.stringify(result.issues)}`);
  return result.recipe;
}

/** A plain stage's fake summary, with the origin the workflow hands collectMetrics. */
function madeBy(recipe: Recipe, index: number, name: string) {
  return {
    ...fakeStageSummary(recipe, index),
    origin: { recipeIndex: index, recipeStage: name, kind: 'stage', series: name },
  };
}

/** The error and its causes, outermost first. */
function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && chain.length < 10; e = (e as Error).cause) chain.push(e);
  return chain;
}

async function failureOf(promise: Promise<unknown>): Promise<WorkflowFailedError> {
  const err = await promise.then(
    (value) => {
      throw new Error(`expected the workflow to fail, it returned ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return err as WorkflowFailedError;
}

describe('benchmark workflow (time-skipping server, fake activities)', () => {
  it('runs two stages: summaries in order, one service, one clients job for both, teardown then flush', async () => {
    const input = twoStageRecipe();
    const recipe = parsed(input);
    let liveStatus: BenchmarkStatus | undefined;
    const fakes = createFakes({
      async startStage(args, call) {
        if (args.stageIndex === 1) {
          // Live view, mid-run: the status query as `aifb run --watch` would see it.
          liveStatus = await env.client.workflow.getHandle(args.benchmarkId).query(statusQuery);
        }
        return {
          startAtMs: call.scheduledAtMs + 2000,
          clients: [0, 1],
          missing: [],
          ...(args.stageIndex === 0 ? { queueWaitMs: 1234 } : {}),
        };
      },
    });

    const { result, status, workflowId } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(input);
      const result = await handle.result();
      return { result, status: await handle.query(statusQuery), workflowId: handle.workflowId };
    });

    // The result is what writeResults returned, carrying collectMetrics' summaries in stage order.
    const writes = fakes.callsTo('writeResults');
    expect(writes).toHaveLength(1);
    expect(writes[0]!.input.status).toBe('completed');
    expect(writes[0]!.outcome).toEqual({ ok: true, value: result });
    const collected = fakes.callsTo('collectMetrics');
    expect(collected.map((c) => c.input.stageIndex)).toEqual([0, 1]);
    expect(result.stages).toEqual(collected.map((c) => (c.outcome?.ok ? c.outcome.value : undefined)));
    expect(result.stages).toEqual([madeBy(recipe, 0, 'warm'), madeBy(recipe, 1, 'hot')]);
    expect(result.stages.map((s) => s.name)).toEqual(['warm', 'hot']);
    expect(result).toMatchObject({ status: 'completed', benchmarkId: workflowId, recipeName: 'two-stages' });
    expect(result.service.endpoint).toBe(SERVICE_ENDPOINT.address);
    // collectMetrics got the clients that finishClients returned for the same stage.
    for (const c of collected) {
      expect(c.input.clients.missing[0]?.index).toBe(c.input.stageIndex);
    }

    // One service; ONE clients job, each stage handed to it, pointed at the address waitForHealth reported.
    expect(fakes.callsTo('submitService')).toHaveLength(1);
    expect(fakes.callsTo('waitForHealth')).toHaveLength(1);
    expect(fakes.callsTo('waitForHealth')[0]!.input.job?.name).toBe(`${workflowId}-service`);
    expect(fakes.callsTo('startClients')).toHaveLength(1);
    const starts = fakes.callsTo('startStage');
    expect(starts.map((c) => [c.input.stageIndex, c.input.serviceUrl, c.input.job.name])).toEqual([
      [0, SERVICE_ENDPOINT.url, `${workflowId}-clients`],
      [1, SERVICE_ENDPOINT.url, `${workflowId}-clients`],
    ]);
    expect(
      fakes.callsTo('finishClients').map((c) => [c.input.stageIndex, c.input.stopNow, c.input.last]),
    ).toEqual([
      [0, false, false],
      [1, false, true],
    ]);
    // The summary carries how long the clients waited for their allocation.
    expect(fakes.callsTo('writeResults')[0]!.input.clientsQueueWaitMs).toBe(1234);
    // 5 s stages end on their timers: the once-a-minute backstop check never came (the relay
    // hub signals early ends; core/stage-checks.ts).
    expect(fakes.callsTo('checkClients')).toHaveLength(0);

    // Sequence: everything about the stages, then results, then teardown, then the log flush.
    expect(fakes.callsTo('teardown')).toHaveLength(1);
    expect(fakes.callsTo('flushLogs')).toHaveLength(1);
    expect(fakes.firstIndexOf('teardown')).toBeGreaterThan(fakes.lastIndexOf('writeResults'));
    expect(fakes.lastIndexOf('collectMetrics')).toBeLessThan(fakes.firstIndexOf('writeResults'));
    expect(fakes.firstIndexOf('flushLogs')).toBeGreaterThan(fakes.lastIndexOf('teardown'));
    expect(fakes.names().slice(-3)).toEqual(['writeResults', 'teardown', 'flushLogs']);

    // Status mid-run (start of stage 1) and at the end.
    expect(liveStatus).toMatchObject({
      phase: 'loading',
      stageIndex: 1,
      stageName: 'hot',
      stageCount: 2,
      endpoint: SERVICE_ENDPOINT.address,
    });
    expect(liveStatus!.stages).toEqual([madeBy(recipe, 0, 'warm')]);
    expect(status.phases.map((p) => p.phase)).toEqual([
      'validating',
      'deploying',
      'waiting-for-health',
      'loading',
      'collecting',
      'loading',
      'collecting',
      'tearing-down',
      'done',
    ]);
    const times = status.phases.map((p) => p.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(status).toMatchObject({
      phase: 'done',
      recipeName: 'two-stages',
      stageCount: 2,
      endpoint: SERVICE_ENDPOINT.address,
      stageEndsAtMs: null,
      stopRequested: false,
      error: null,
    });
    expect(status.stages).toEqual(result.stages);
    expect(status.jobs).toEqual([`${workflowId}-service`, `${workflowId}-clients`]);
    expect(status.clientsQueueWaitMs).toBe(1234);
  });

  // The activity marks it non-retryable; and even if it forgot, the workflow's retry policy lists the type.
  it.each([
    { thrownAs: 'non-retryable', nonRetryable: true },
    { thrownAs: 'retryable (the type alone must stop retries)', nonRetryable: false },
  ])(
    'fails on a health timeout thrown $thrownAs: no retry, no clients, teardown once',
    async ({ nonRetryable }) => {
      const message = 'service not healthy within 20m: GET http://10.1.2.3:18123/health refused';
      const fakes = createFakes({
        async waitForHealth() {
          throw ApplicationFailure.create({ type: 'HealthTimeout', message, nonRetryable });
        },
      });

      const { err, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
        const handle = await w.start(recipeWith('health-timeout', [{ duration: '10m' }]));
        const err = await failureOf(handle.result());
        return { err, status: await handle.query(statusQuery) };
      });

      // The activity's own failure is in the cause chain, type and message intact.
      const failures = causeChain(err).filter(
        (e): e is ApplicationFailure => e instanceof ApplicationFailure,
      );
      expect(failures.at(-1)?.type).toBe('HealthTimeout');
      expect(failures.at(-1)?.message).toBe(message);
      expect(fakes.callsTo('waitForHealth')).toHaveLength(1);
      expect(fakes.callsTo('startClients')).toHaveLength(0);
      expect(fakes.callsTo('teardown')).toHaveLength(1);
      // Nothing was measured, so there is nothing to keep.
      expect(fakes.callsTo('writeResults')).toHaveLength(0);
      expect(status.phase).toBe('failed');
      expect(status.error).toBe(message);
      expect(status.phases.map((p) => p.phase).slice(-3)).toEqual([
        'waiting-for-health',
        'tearing-down',
        'failed',
      ]);
    },
  );

  it('cancelled during load: the result is a cancellation, teardown runs once, nothing is written as completed', async () => {
    const fakes = createFakes();

    const { err, status, loading } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(recipeWith('cancel-me', [{ duration: '2h' }]));
      // Time skipping stays locked until someone awaits the result, so this waits in real time
      // and the 2 h stage cannot race past us.
      const loading = await waitForStatus(handle, (s) => s.phase === 'loading' && s.stageEndsAtMs !== null);
      await handle.cancel();
      const err = await failureOf(handle.result());
      return { err, status: await handle.query(statusQuery), loading };
    });

    expect(loading.stageIndex).toBe(0);
    expect(err.cause).toBeInstanceOf(CancelledFailure);
    expect(fakes.callsTo('startClients')).toHaveLength(1);
    // Cancelled mid-stage: the stage never reached its end.
    expect(fakes.callsTo('finishClients')).toHaveLength(0);
    expect(fakes.callsTo('teardown')).toHaveLength(1);
    expect(fakes.callsTo('writeResults').filter((c) => c.input.status === 'completed')).toHaveLength(0);
    expect(status.phase).toBe('cancelled');
    expect(status.phases.map((p) => p.phase).slice(-3)).toEqual(['loading', 'tearing-down', 'cancelled']);
  });

  it('retries a transient activity failure and completes', async () => {
    const fakes = createFakes({
      async submitService(args, call) {
        if (call.attempt < 3) throw new Error(`executor hiccup (attempt ${call.attempt})`);
        return { id: 'svc-1', name: `${args.ownerId}-service`, benchmarkId: args.ownerId, tasks: 1 };
      },
    });

    const result = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(recipeWith('flaky-submit', [{ duration: '1m' }]));
      return handle.result();
    });

    expect(result.status).toBe('completed');
    expect(fakes.callsTo('submitService').map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(fakes.callsTo('submitService').map((c) => c.outcome?.ok)).toEqual([false, false, true]);
    expect(fakes.callsTo('waitForHealth')).toHaveLength(1);
    expect(fakes.callsTo('teardown')).toHaveLength(1);
  });

  it('runs a 3h10m stage in seconds of wall time, on workflow time', async () => {
    const fakes = createFakes();

    // Time skipping is what makes it end: on wall time the test's timeout would come 3 h early.
    const { result, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(recipeWith('long-stage', [{ duration: '3h', warmup: '10m' }]));
      const result = await handle.result();
      return { result, status: await handle.query(statusQuery) };
    });

    expect(result.status).toBe('completed');
    const planned = 3 * HOUR + 10 * MINUTE;
    // From entering the stage to having finished its clients, in workflow time.
    const stageMs = phaseAt(status, 'collecting') - phaseAt(status, 'loading');
    expect(stageMs).toBeGreaterThanOrEqual(planned);
    expect(stageMs).toBeLessThan(planned + 10 * MINUTE);
    // The same, as the server scheduled the activities.
    const [start] = fakes.callsTo('startClients');
    const [finish] = fakes.callsTo('finishClients');
    expect(finish!.scheduledAtMs - start!.scheduledAtMs).toBeGreaterThanOrEqual(planned);
    // It polled its clients every minute all along (190 one-minute slices, the last one ends it).
    const checks = fakes.callsTo('checkClients').length;
    expect(checks).toBeGreaterThanOrEqual(185);
    expect(checks).toBeLessThanOrEqual(190);
  });

  it('rejects an invalid recipe with the field paths, before calling any activity', async () => {
    const fakes = createFakes();

    const { err, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start({ name: 'Bad Name', service: { kind: 'simulator' }, workload: {} });
      const err = await failureOf(handle.result());
      return { err, status: await handle.query(statusQuery) };
    });

    expect(err.cause).toBeInstanceOf(ApplicationFailure);
    const failure = err.cause as ApplicationFailure;
    expect(failure.type).toBe('InvalidRecipe');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/^ {2}- name: /m);
    expect(failure.message).toMatch(/^ {2}- workload\.kind: /m);
    expect(fakes.calls).toEqual([]);
    expect(status.phases.map((p) => p.phase)).toEqual(['validating', 'failed']);
    expect(status.error).toBe(failure.message);
  });

  it.each(['..', '.', '-x'])(
    'fails a run whose workflow id %j cannot name a benchmark at once, with nothing to tear down',
    async (workflowId) => {
      const fakes = createFakes();
      const { err, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
        const handle = await w.start(recipeWith('fine', [{ name: 'one', duration: '1m' }]), workflowId);
        const err = await failureOf(handle.result());
        return { err, status: await handle.query(statusQuery) };
      });
      const failure = err.cause as ApplicationFailure;
      expect(failure.type).toBe('InvalidBenchmarkId');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain(JSON.stringify(workflowId));
      expect(fakes.calls).toEqual([]);
      expect(status.phases.map((p) => p.phase)).toEqual(['validating', 'failed']);
    },
  );

  it('stop signal: ends the current stage now, skips the rest, writes "stopped", tears down', async () => {
    const fakes = createFakes();

    const { result, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(
        recipeWith('stop-me', [
          { name: 'first', duration: '1h' },
          { name: 'second', duration: '1h' },
        ]),
      );
      await waitForStatus(
        handle,
        (s) => s.phase === 'loading' && s.stageIndex === 0 && s.stageEndsAtMs !== null,
      );
      await handle.signal(stopSignal, 'operator said so');
      const result = await handle.result();
      return { result, status: await handle.query(statusQuery) };
    });

    expect(fakes.callsTo('startClients')).toHaveLength(1);
    expect(fakes.callsTo('startStage').map((c) => c.input.stageIndex)).toEqual([0]);
    // The stop ends the stage on every client at once, and tells them no stage follows.
    expect(
      fakes.callsTo('finishClients').map((c) => [c.input.stageIndex, c.input.stopNow, c.input.last]),
    ).toEqual([[0, true, true]]);
    const writes = fakes.callsTo('writeResults');
    expect(writes.map((c) => c.input.status)).toEqual(['stopped']);
    expect(writes[0]!.input.stages.map((s) => s.name)).toEqual(['first']);
    expect(result.status).toBe('stopped');
    expect(result.stages.map((s) => s.name)).toEqual(['first']);
    expect(fakes.callsTo('teardown')).toHaveLength(1);
    expect(fakes.firstIndexOf('teardown')).toBeGreaterThan(fakes.firstIndexOf('writeResults'));
    expect(status).toMatchObject({ phase: 'done', stopRequested: true });
    // Ended well before its planned hour.
    expect(phaseAt(status, 'collecting') - phaseAt(status, 'loading')).toBeLessThan(HOUR);
  });

  it('queue time is not stage time: clients queued longer than the stage still get its whole window', async () => {
    const queuedMs = 3 * HOUR;
    const fakes = createFakes({
      // The allocation stays pending for 3 h (workflow time), then every client is ready.
      async startStage(args, call) {
        const startAtMs = call.scheduledAtMs + queuedMs + 2000;
        return {
          startAtMs,
          clients: [0, 1],
          missing: [],
          ...(args.stageIndex === 0 ? { queueWaitMs: queuedMs } : {}),
        };
      },
    });
    const { result, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(
        recipeWith('queued', [
          { name: 'first', duration: '1h', warmup: '1m' },
          { name: 'second', duration: '10m' },
        ]),
      );
      const result = await handle.result();
      return { result, status: await handle.query(statusQuery) };
    });
    expect(result.status).toBe('completed');
    expect(fakes.callsTo('startClients')).toHaveLength(1);
    const [start0, start1] = fakes.callsTo('startStage');
    const [finish0, finish1] = fakes.callsTo('finishClients');
    const go0 = start0!.outcome?.ok ? start0!.outcome.value.startAtMs : Number.NaN;
    // The stage's timer ran from the common start, not from the submission: warm-up + the full hour.
    expect(finish0!.scheduledAtMs - go0).toBeGreaterThanOrEqual(HOUR + MINUTE);
    expect(finish0!.scheduledAtMs - go0).toBeLessThan(HOUR + 2 * MINUTE);
    const go1 = start1!.outcome?.ok ? start1!.outcome.value.startAtMs : Number.NaN;
    expect(finish1!.scheduledAtMs - go1).toBeGreaterThanOrEqual(10 * MINUTE);
    expect(status.clientsQueueWaitMs).toBe(queuedMs);
    expect(fakes.callsTo('writeResults')[0]!.input.clientsQueueWaitMs).toBe(queuedMs);
  });

  it('a stop while the clients are still queued: the wait is cancelled, the stage never ran, teardown', async () => {
    let cancelled = false;
    const fakes = createFakes({
      // Queued for ever (heartbeating as the real one does) until cancelled.
      async startStage() {
        const ctx = Context.current();
        for (;;) {
          ctx.heartbeat();
          try {
            await ctx.sleep(200);
          } catch (err) {
            cancelled = true;
            throw err;
          }
        }
      },
      async finishClients() {
        return { results: [], missing: [], notStarted: true, stoppedEarly: true };
      },
    });
    const { result, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(recipeWith('queued-stop', [{ duration: '1h' }, { duration: '1h' }]));
      await waitForStatus(handle, (s) => s.clientsWaitingSinceMs !== null);
      await handle.signal(stopSignal, 'not today');
      const result = await handle.result();
      return { result, status: await handle.query(statusQuery) };
    });
    expect(cancelled).toBe(true);
    expect(result.status).toBe('stopped');
    expect(result.stages).toEqual([]);
    expect(fakes.callsTo('collectMetrics')).toHaveLength(0);
    expect(
      fakes.callsTo('finishClients').map((c) => [c.input.stageIndex, c.input.stopNow, c.input.last]),
    ).toEqual([[0, true, true]]);
    expect(fakes.callsTo('teardown')).toHaveLength(1);
    expect(status.clientsWaitingSinceMs).toBeNull();
  });

  it('ends a stage early when its clients have ended: after one check interval, not the planned hour', async () => {
    const fakes = createFakes({
      async checkClients() {
        return { state: 'COMPLETED', ended: true };
      },
    });

    const { result, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(recipeWith('early-end', [{ duration: '1h' }]));
      const result = await handle.result();
      return { result, status: await handle.query(statusQuery) };
    });

    expect(result.status).toBe('completed');
    expect(fakes.callsTo('checkClients')).toHaveLength(1);
    expect(fakes.callsTo('finishClients').map((c) => c.input.stopNow)).toEqual([false]);
    // A 1 h stage checks its clients every minute (min(60 s, 1h/20)).
    const stageMs = phaseAt(status, 'collecting') - phaseAt(status, 'loading');
    expect(stageMs).toBeGreaterThanOrEqual(MINUTE);
    expect(stageMs).toBeLessThan(2 * MINUTE);
    const [check] = fakes.callsTo('checkClients');
    const [finish] = fakes.callsTo('finishClients');
    expect(finish!.scheduledAtMs - check!.scheduledAtMs).toBeLessThan(MINUTE);
  });

  it("the relay hub signals that a stage's clients ended: the stage ends then, without a check", async () => {
    const fakes = createFakes();
    const { result, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(recipeWith('hub-ended', [{ duration: '1h' }]));
      await waitForStatus(handle, (s) => s.phase === 'loading' && s.stageEndsAtMs !== null);
      await handle.signal(clientsEndedSignal, 1); // another stage's: ignored
      await handle.signal(clientsEndedSignal, 0);
      const result = await handle.result();
      return { result, status: await handle.query(statusQuery) };
    });
    expect(result.status).toBe('completed');
    expect(fakes.callsTo('checkClients')).toHaveLength(0);
    expect(phaseAt(status, 'collecting') - phaseAt(status, 'loading')).toBeLessThan(MINUTE);
  });

  it('a 24-hour stage keeps its history far below 10,000 events (its checks thin out past 4 hours)', async () => {
    const fakes = createFakes();
    const events = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(recipeWith('day-long', [{ duration: '24h' }]));
      await handle.result();
      return (await handle.fetchHistory()).events?.length ?? 0;
    });
    // 24 h / 240 checks = one check every 6 minutes; every minute it would be 1,440 checks.
    expect(fakes.callsTo('checkClients').length).toBeLessThanOrEqual(240);
    expect(fakes.callsTo('checkClients').length).toBeGreaterThan(200);
    expect(events).toBeLessThan(4000);
  });

  it('stopStage signal: ends only the current stage; the next one runs its full length', async () => {
    const fakes = createFakes();

    const { result, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(
        recipeWith('skip-stage', [
          { name: 'first', duration: '1h' },
          { name: 'second', duration: '30m' },
        ]),
      );
      await waitForStatus(
        handle,
        (s) => s.phase === 'loading' && s.stageIndex === 0 && s.stageEndsAtMs !== null,
      );
      await handle.signal(stopStageSignal);
      const result = await handle.result();
      return { result, status: await handle.query(statusQuery) };
    });

    expect(result.status).toBe('completed');
    expect(result.stages.map((s) => s.name)).toEqual(['first', 'second']);
    expect(fakes.callsTo('finishClients').map((c) => [c.input.stageIndex, c.input.stopNow])).toEqual([
      [0, true],
      [1, false],
    ]);
    expect(status.stopRequested).toBe(false);
    // Stage 0 ended at the signal; stage 1 (the flag reset) lasted its planned 30 minutes.
    expect(phaseAt(status, 'collecting', 0) - phaseAt(status, 'loading', 0)).toBeLessThan(HOUR);
    expect(phaseAt(status, 'collecting', 1) - phaseAt(status, 'loading', 1)).toBeGreaterThanOrEqual(
      30 * MINUTE,
    );
  });

  it('cancelled after a finished stage keeps what it measured: results written as cancelled, teardown once', async () => {
    const fakes = createFakes();
    const err = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(
        recipeWith('cancel-later', [
          { name: 'warm', duration: '5s' },
          { name: 'hot', duration: '2h' },
        ]),
      );
      await waitForStatus(handle, (s) => s.stageIndex === 1 && s.phase === 'loading');
      await handle.cancel();
      return failureOf(handle.result());
    });
    expect(err.cause).toBeInstanceOf(CancelledFailure);
    const writes = fakes.callsTo('writeResults');
    expect(writes).toHaveLength(1);
    expect(writes[0]!.input.status).toBe('cancelled');
    expect(writes[0]!.input.stages.map((s) => s.name)).toEqual(['warm']);
    expect(fakes.callsTo('teardown')).toHaveLength(1);
    expect(fakes.firstIndexOf('teardown')).toBeGreaterThan(fakes.firstIndexOf('writeResults'));
  });

  it('a failure after a finished stage keeps what it measured: results written as failed, teardown once', async () => {
    const message = 'no client of stage 1 wrote a result';
    const fakes = createFakes({
      async collectMetrics(args) {
        if (args.stageIndex === 1) {
          throw ApplicationFailure.create({ type: 'NoClientResults', message, nonRetryable: true });
        }
        return fakeStageSummary(args.recipe, args.stageIndex);
      },
    });

    const err = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await w.start(twoStageRecipe());
      return failureOf(handle.result());
    });

    const failures = causeChain(err).filter((e): e is ApplicationFailure => e instanceof ApplicationFailure);
    expect(failures.at(-1)).toMatchObject({ type: 'NoClientResults', message });
    expect(fakes.callsTo('collectMetrics')).toHaveLength(2);
    const writes = fakes.callsTo('writeResults');
    expect(writes).toHaveLength(1);
    expect(writes[0]!.input).toMatchObject({ status: 'failed', error: message });
    expect(writes[0]!.input.stages.map((s) => s.name)).toEqual(['warm']);
    expect(fakes.callsTo('teardown')).toHaveLength(1);
    expect(fakes.firstIndexOf('teardown')).toBeGreaterThan(fakes.firstIndexOf('writeResults'));
  });
});
