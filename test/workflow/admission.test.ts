/**
 * Admission control on the time-skipping server: the real benchmark and admission workflows,
 * the real admission activities (they only talk to Temporal), fake executor activities.
 */
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { admissionStateQuery, admissionWorkflowId } from '../../core/admission-contract';
import { stopUpdate } from '../../core/contract';
import type { RecipeInput } from '../../core/recipe';
import { type Call, createFakes, type Fakes, recipeWith } from './fakes';
import {
  type BenchmarkHandle,
  bundleWorkflows,
  createTimeSkippingEnv,
  type WorkerContext,
  waitForStatus,
  withWorker,
} from './harness';

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

/** One hour-long stage on a local target that runs one benchmark at a time. */
function oneAtATime(name: string): RecipeInput {
  return {
    ...recipeWith(name, [{ name: 'long', duration: '1h' }]),
    target: { executor: 'local', maxRunning: 1 },
  };
}

const owner = (call: Call) => (call.input as { ownerId?: string; benchmarkId?: string }).ownerId;
const submitted = (fakes: Fakes) => fakes.callsTo('submitService').map(owner);
const callsOf = (fakes: Fakes, id: string) =>
  fakes.calls.filter((c) => {
    const input = c.input as { ownerId?: string; benchmarkId?: string };
    return input.ownerId === id || input.benchmarkId === id;
  });

async function queuedWaiters(taskQueue: string): Promise<string[]> {
  const state = await env.client.workflow
    .getHandle(admissionWorkflowId(taskQueue, 'local'))
    .query(admissionStateQuery);
  return state.waiters.map((w) => w.workflowId);
}

let testNo = 0;
/** Workflow ids unique per test (`bench-<name>-<n>`): a run of an earlier test may still hold its id. */
let id = (name: string) => `bench-${name}-${testNo}`;
beforeEach(() => {
  testNo += 1;
  id = (name: string) => `bench-${name}-${testNo}`;
});

/**
 * withWorker, and at the end the test's admission workflow is terminated while its worker still
 * runs: left idle on a queue nobody polls, its pending tasks would hold the test server's clock.
 */
function withAdmission(fakes: Fakes, fn: (ctx: WorkerContext) => Promise<void>): Promise<void> {
  return withWorker(env, bundle, fakes.activities, async (ctx) => {
    try {
      await fn(ctx);
    } finally {
      await env.client.workflow
        .getHandle(admissionWorkflowId(ctx.taskQueue, 'local'))
        .terminate('test over')
        .catch(() => undefined);
    }
  });
}

const phasesOf = async (h: BenchmarkHandle) =>
  (await waitForStatus(h, () => true)).phases.map((p) => p.phase);

describe('admission control (time-skipping server)', () => {
  it('runs one at a time in submission order; the others wait queued, with their place in line', async () => {
    const fakes = createFakes();
    await withAdmission(fakes, async ({ start, taskQueue }) => {
      const a = await start(oneAtATime('adm-a'), id('adm-a'));
      await waitForStatus(a, (s) => s.phase === 'loading');
      const b = await start(oneAtATime('adm-b'), id('adm-b'));
      const c = await start(oneAtATime('adm-c'), id('adm-c'));
      const queuedB = await waitForStatus(b, (s) => s.phase === 'queued');
      await waitForStatus(c, (s) => s.phase === 'queued');
      expect(queuedB.admission).toMatchObject({
        workflowId: admissionWorkflowId(taskQueue, 'local'),
        limit: 1,
      });
      expect(await queuedWaiters(taskQueue)).toEqual([id('adm-b'), id('adm-c')]);
      expect(submitted(fakes)).toEqual([id('adm-a')]);

      // One result at a time: each unlocks time skipping, and the test server counts the locks.
      for (const h of [a, b, c]) await h.result();
      expect(submitted(fakes)).toEqual([id('adm-a'), id('adm-b'), id('adm-c')]);
      // Never two at once: each deploys only after the one before it was torn down.
      const at = (name: 'submitService' | 'teardown', id: string) =>
        fakes.callsTo(name).find((call) => owner(call) === id)!.seq;
      expect(at('submitService', id('adm-b'))).toBeGreaterThan(at('teardown', id('adm-a')));
      expect(at('submitService', id('adm-c'))).toBeGreaterThan(at('teardown', id('adm-b')));
      expect(await phasesOf(b)).toEqual([
        'validating',
        'queued',
        'deploying',
        'waiting-for-health',
        'loading',
        'collecting',
        'tearing-down',
        'done',
      ]);
    });
  });

  it('a benchmark cancelled while queued ends cancelled having run nothing; the next one takes its turn', async () => {
    const fakes = createFakes();
    await withAdmission(fakes, async ({ start, taskQueue }) => {
      const a = await start(oneAtATime('adm-a'), id('adm-a'));
      await waitForStatus(a, (s) => s.phase === 'loading');
      const b = await start(oneAtATime('adm-b'), id('adm-b'));
      const c = await start(oneAtATime('adm-c'), id('adm-c'));
      await waitForStatus(c, (s) => s.phase === 'queued');
      await b.cancel();
      const err = await b.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect(await phasesOf(b)).toEqual(['validating', 'queued', 'cancelled']);
      expect(callsOf(fakes, id('adm-b'))).toEqual([]);
      expect(await queuedWaiters(taskQueue)).toEqual([id('adm-c')]);

      await a.result();
      await c.result();
      expect(submitted(fakes)).toEqual([id('adm-a'), id('adm-c')]);
    });
  });

  it('a benchmark stopped while queued ends stopped, with no stages and no jobs', async () => {
    const fakes = createFakes();
    await withAdmission(fakes, async ({ start, taskQueue }) => {
      const a = await start(oneAtATime('adm-a'), id('adm-a'));
      await waitForStatus(a, (s) => s.phase === 'loading');
      const b = await start(oneAtATime('adm-b'), id('adm-b'));
      await waitForStatus(b, (s) => s.phase === 'queued');
      const ack = await b.executeUpdate(stopUpdate, { args: ['not today'] });
      expect(ack.phase).toBe('queued');
      const summary = await b.result();
      expect(summary.status).toBe('stopped');
      expect(summary.stages).toEqual([]);
      expect(await phasesOf(b)).toEqual(['validating', 'queued', 'done']);
      expect(callsOf(fakes, id('adm-b')).map((c) => c.name)).toEqual(['writeResults']);
      expect(await queuedWaiters(taskQueue)).toEqual([]);
      await a.result();
    });
  });

  it('a target without a limit skips admission: no queued phase, no admission workflow', async () => {
    const fakes = createFakes();
    await withAdmission(fakes, async ({ start, taskQueue }) => {
      const input = recipeWith('adm-free', [{ name: 's', duration: '1m' }]);
      const a = await start(input, id('adm-free'));
      await a.result();
      expect(await phasesOf(a)).not.toContain('queued');
      await expect(
        env.client.workflow.getHandle(admissionWorkflowId(taskQueue, 'local')).describe(),
      ).rejects.toThrow();
    });
  });
});
