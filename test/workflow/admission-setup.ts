/**
 * What the admission tests share: one time-skipping server and bundle per file, ids unique per
 * test, recipes that run one at a time, and a worker that ends its test's admission workflow.
 * The real benchmark and admission workflows and admission activities; fake executor activities.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { admissionStateQuery, admissionWorkflowId } from '../../core/admission-contract';
import type { RecipeInput } from '../../core/recipe';
import { type Call, type Fakes, recipeWith } from './fakes';
import {
  type BenchmarkHandle,
  bundleWorkflows,
  createTimeSkippingEnv,
  type WorkerContext,
  waitForStatus,
  withWorker,
} from './harness';

/** One hour-long stage on a local target that runs one benchmark at a time. */
export function oneAtATime(name: string): RecipeInput {
  return {
    ...recipeWith(name, [{ name: 'long', duration: '1h' }]),
    target: { executor: 'local', maxRunning: 1 },
  };
}

export const owner = (call: Call) => (call.input as { ownerId?: string; benchmarkId?: string }).ownerId;
export const submitted = (fakes: Fakes) => fakes.callsTo('submitService').map(owner);
export const callsOf = (fakes: Fakes, id: string) =>
  fakes.calls.filter((c) => {
    const input = c.input as { ownerId?: string; benchmarkId?: string };
    return input.ownerId === id || input.benchmarkId === id;
  });
export const phasesOf = async (h: BenchmarkHandle) =>
  (await waitForStatus(h, () => true)).phases.map((p) => p.phase);

/** Registers the file's hooks; the returned functions use the file's server. */
export function admissionTestEnv() {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  let ready: Promise<[TestWorkflowEnvironment, WorkflowBundleWithSourceMap]>;
  let testNo = 0;
  beforeAll(() => {
    ready = Promise.all([createTimeSkippingEnv(), bundleWorkflows()]);
    ready.catch(() => undefined);
  });
  beforeEach(async () => {
    [env, bundle] = await ready;
    testNo += 1;
  });
  afterAll(async () => {
    await (await ready.catch(() => undefined))?.[0].teardown();
  });
  /** Workflow ids unique per test (`bench-<name>-<n>`): a run of an earlier test may still hold its id. */
  const id = (name: string) => `bench-${name}-${testNo}`;
  return {
    env: () => env,
    id,
    /**
     * Where most admission tests start: the first run takes the one place (it reaches `loading`),
     * then each later one is started only once the one before it is `queued`, so the line is in
     * submission order. Started all at once, a later run could take the place first.
     */
    async holderThenQueued<Names extends string[]>(
      start: WorkerContext['start'],
      names: [...Names],
    ): Promise<{ [K in keyof Names]: BenchmarkHandle }> {
      const handles: BenchmarkHandle[] = [];
      for (const [i, name] of names.entries()) {
        const handle = await start(oneAtATime(name), id(name));
        await waitForStatus(handle, (s) => s.phase === (i === 0 ? 'loading' : 'queued'));
        handles.push(handle);
      }
      return handles as { [K in keyof Names]: BenchmarkHandle };
    },
    async queuedWaiters(taskQueue: string): Promise<string[]> {
      const state = await env.client.workflow
        .getHandle(admissionWorkflowId(taskQueue, 'local'))
        .query(admissionStateQuery);
      return state.waiters.map((w) => w.workflowId);
    },
    /**
     * withWorker, and at the end the test's admission workflow is terminated while its worker
     * still runs: left idle on a queue nobody polls, its tasks would hold the server's clock.
     */
    withAdmission(fakes: Fakes, fn: (ctx: WorkerContext) => Promise<void>): Promise<void> {
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
    },
  };
}
