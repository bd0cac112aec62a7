/**
 * The deployment workflow against fake activities on the time-skipping test server: an 8 h ttl
 * passes in seconds. Benchmarks attach through the real attachDeployment (the worker's client).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type DeploymentStatus,
  deploymentStatusQuery,
  deploymentWorkflowId,
  downUpdate,
  statusQuery,
} from '../../core/contract';
import type { DeploymentRecipeInput } from '../../core/deployment';
import type { BenchmarkSummary } from '../../core/summary';
import { deploymentWorkflow } from '../../workflows/deployment';
import { createFakes, type Fakes, recipeWith, SERVICE_ENDPOINT } from './fakes';
import { bundleWorkflows, createTimeSkippingEnv, type WorkerContext, withWorker } from './harness';

const HOUR = 3_600_000;

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

let counter = 0;
/** Names are unique per test: deployments of one name share a workflow id. */
function deploymentRecipe(deployment: DeploymentRecipeInput['deployment'] = {}): DeploymentRecipeInput {
  return { name: `dep-${process.pid}-${++counter}`, service: { kind: 'simulator' }, deployment };
}

type DeploymentHandle = WorkflowHandleWithFirstExecutionRunId<typeof deploymentWorkflow>;

function startDeployment(w: WorkerContext, recipe: DeploymentRecipeInput): Promise<DeploymentHandle> {
  return env.client.workflow.start(deploymentWorkflow, {
    taskQueue: w.taskQueue,
    workflowId: deploymentWorkflowId(recipe.name),
    args: [recipe],
  });
}

/** Polls the status query in real time (time skipping stays locked meanwhile). */
async function waitForPhase(handle: DeploymentHandle, phase: string): Promise<DeploymentStatus> {
  const deadline = Date.now() + 20_000;
  let last: DeploymentStatus | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(deploymentStatusQuery).catch(() => undefined);
    if (last?.phase === phase) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`deployment never reached ${phase}; last status ${JSON.stringify(last)}`);
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    (v) => {
      throw new Error(`expected a failure, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e as Error,
  );
  const cause = err.cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** Teardown ran exactly once, last, for the deployment's own jobs. */
function expectTornDownOnce(fakes: Fakes, ownerId: string) {
  const teardowns = fakes.callsTo('teardown');
  expect(teardowns.map((c) => c.input.ownerId)).toEqual([ownerId]);
  expect(fakes.names().at(-1)).toBe('teardown');
}

describe('deployment workflow (time-skipping server, fake activities)', () => {
  it('serves until its ttl expires, checking its job meanwhile, then tears down', async () => {
    const fakes = createFakes();
    const recipe = deploymentRecipe({ ttl: '2h', checkInterval: '10m' });
    const status = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await startDeployment(w, recipe);
      return handle.result();
    });
    expect(status.phase).toBe('down');
    expect(status.downReason).toBe('ttl expired');
    expect(status.endpoint).toBeNull();
    expect(status.phases.map((p) => p.phase)).toEqual([
      'deploying',
      'waiting-for-health',
      'serving',
      'tearing-down',
      'down',
    ]);
    expect(status.ownerId).toMatch(new RegExp(`^deploy-${recipe.name}-[0-9a-f]{8}$`));
    expect(fakes.callsTo('submitService').map((c) => c.input.ownerId)).toEqual([status.ownerId]);
    // Every 10 minutes for 2 hours, the last one replaced by the expiry.
    const checks = fakes.callsTo('checkService');
    expect(checks.length).toBe(11);
    expect(checks[0]!.input.job.name).toBe(`${status.ownerId}-service`);
    expectTornDownOnce(fakes, status.ownerId);
    const submittedAt = fakes.callsTo('submitService')[0]!.scheduledAtMs;
    const tornDownAt = fakes.callsTo('teardown')[0]!.scheduledAtMs;
    expect(tornDownAt - submittedAt).toBeGreaterThanOrEqual(2 * HOUR - 1000);
    expect(tornDownAt - submittedAt).toBeLessThan(2 * HOUR + 60_000);
  });

  it('continues as new while it serves long, keeping its job, owner, attachments and expiry', async () => {
    const fakes = createFakes();
    const recipe = deploymentRecipe({ ttl: '12h', checkInterval: '1m' });
    const { status, firstRunId, lastRunId } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await startDeployment(w, recipe);
      const status = await handle.result();
      const { runId } = await env.client.workflow.getHandle(handle.workflowId).describe();
      return { status, firstRunId: handle.firstExecutionRunId, lastRunId: runId };
    });
    // 720 checks at ~10 events each cross the history bound at least once.
    expect(lastRunId).not.toBe(firstRunId);
    expect(status.ownerId).toBe(`deploy-${recipe.name}-${firstRunId.slice(0, 8)}`);
    expect(status.downReason).toBe('ttl expired');
    expect(status.expiresAtMs! - status.startedAtMs).toBe(12 * HOUR);
    expect(fakes.callsTo('submitService')).toHaveLength(1);
    expect(new Set(fakes.callsTo('checkService').map((c) => c.input.job.name))).toEqual(
      new Set([`${status.ownerId}-service`]),
    );
    expectTornDownOnce(fakes, status.ownerId);
  });

  it('goes down on request, answering the phase it was in; a second request is refused', async () => {
    const fakes = createFakes();
    const recipe = deploymentRecipe();
    const { status, ack, again } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await startDeployment(w, recipe);
      const serving = await waitForPhase(handle, 'serving');
      expect(serving.endpoint).toBe(SERVICE_ENDPOINT.address);
      expect(serving.expiresAtMs! - serving.startedAtMs).toBe(8 * HOUR);
      const ack = await handle.executeUpdate(downUpdate, { args: ['done for today'] });
      const again = await handle.executeUpdate(downUpdate, { args: [undefined] }).catch((e: Error) => e);
      return { status: await handle.result(), ack, again };
    });
    expect(ack).toEqual({ phase: 'serving' });
    expect(String(((again as Error).cause as Error | undefined)?.message ?? again)).toMatch(
      /already going down/,
    );
    expect(status.phase).toBe('down');
    expect(status.downReason).toBe('down requested: done for today');
    expectTornDownOnce(fakes, status.ownerId);
  });

  it('fails with DeploymentJobEnded and the reason when its job dies, and tears down', async () => {
    const fakes = createFakes({
      async checkService() {
        const n = fakes.callsTo('checkService').length;
        return n < 3
          ? { state: 'RUNNING', ended: false }
          : { state: 'FAILED', ended: true, reason: 'exit 137' };
      },
    });
    const recipe = deploymentRecipe({ checkInterval: '1m' });
    const { failure, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await startDeployment(w, recipe);
      const failure = await failureOf(handle.result());
      return { failure, status: await handle.query(deploymentStatusQuery) };
    });
    expect(failure.type).toBe('DeploymentJobEnded');
    expect(failure.message).toMatch(/service job deploy-.*-service ended \(FAILED: exit 137\) while serving/);
    expect(fakes.callsTo('checkService')).toHaveLength(3);
    expect(status.phase).toBe('failed');
    expect(status.error).toBe(failure.message);
    expectTornDownOnce(fakes, status.ownerId);
  });

  it('tears down when the service never becomes healthy (the activity failure is the headline)', async () => {
    const fakes = createFakes({
      async waitForHealth() {
        throw ApplicationFailure.create({
          type: 'HealthTimeout',
          message: 'not healthy in 20m',
          nonRetryable: true,
        });
      },
    });
    const recipe = deploymentRecipe();
    const { failure, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await startDeployment(w, recipe);
      const failure = await failureOf(handle.result());
      return { failure, status: await handle.query(deploymentStatusQuery) };
    });
    expect(failure.type).toBe('HealthTimeout');
    expect(failure.message).toBe('not healthy in 20m');
    expect(status.phase).toBe('failed');
    expectTornDownOnce(fakes, status.ownerId);
  });

  it('a down request while waiting for health cuts it short: a clean down, torn down', async () => {
    const fakes = createFakes({
      async waitForHealth() {
        // Until cancelled: the keep-alive heartbeats deliver the cancellation.
        await Context.current().sleep(HOUR);
        return { ...SERVICE_ENDPOINT };
      },
    });
    const recipe = deploymentRecipe();
    const status = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await startDeployment(w, recipe);
      await waitForPhase(handle, 'waiting-for-health');
      await handle.executeUpdate(downUpdate, { args: [undefined] });
      return handle.result();
    });
    expect(status.phase).toBe('down');
    expect(status.downReason).toBe('down requested');
    expect(fakes.callsTo('waitForHealth')[0]!.outcome?.ok).toBe(false);
    expectTornDownOnce(fakes, status.ownerId);
  });

  it('cancelled while serving: ends cancelled after teardown', async () => {
    const fakes = createFakes();
    const recipe = deploymentRecipe();
    const { err, status } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const handle = await startDeployment(w, recipe);
      await waitForPhase(handle, 'serving');
      await handle.cancel();
      const err = await handle.result().catch((e: Error) => e);
      return { err, status: await handle.query(deploymentStatusQuery) };
    });
    expect(String((err as Error).cause)).toMatch(/Cancel/);
    expect(status.phase).toBe('down');
    expect(status.downReason).toBe('cancelled');
    expectTornDownOnce(fakes, status.ownerId);
  });
});

describe('a benchmark naming a deployment', () => {
  it('attaches, runs against its endpoint, submits no service and leaves it up', async () => {
    const fakes = createFakes();
    const recipe = deploymentRecipe();
    const bench = { ...recipeWith('on-dep', [{ duration: '5s' }]), service: { deployment: recipe.name } };
    const { summary, benchmarkId, serving, live } = await withWorker(
      env,
      bundle,
      fakes.activities,
      async (w) => {
        const dep = await startDeployment(w, recipe);
        await waitForPhase(dep, 'serving');
        const handle = await w.start(bench);
        const summary = (await handle.result()) as BenchmarkSummary;
        const serving = await dep.query(deploymentStatusQuery);
        const live = await handle.query(statusQuery);
        await dep.executeUpdate(downUpdate, { args: [undefined] });
        await dep.result();
        return { summary, benchmarkId: handle.workflowId, serving, live };
      },
    );
    const ownerId = serving.ownerId;
    expect(summary.status).toBe('completed');
    expect(summary.service).toMatchObject({ kind: 'simulator', deployment: recipe.name });
    expect(summary.service.endpoint).toBe(SERVICE_ENDPOINT.address);
    expect(live.deployment).toBe(recipe.name);
    // One service job: the deployment's. The benchmark's clients were pointed at it.
    expect(fakes.callsTo('submitService').map((c) => c.input.ownerId)).toEqual([ownerId]);
    expect(fakes.callsTo('startStage')[0]!.input.serviceUrl).toBe(SERVICE_ENDPOINT.url);
    expect(fakes.callsTo('startClients')[0]!.input.recipe.service.kind).toBe('simulator');
    expect(fakes.callsTo('collectMetrics')[0]!.input.service?.name).toBe(`${ownerId}-service`);
    expect(fakes.callsTo('writeResults')[0]!.input.deployment).toBe(recipe.name);
    // The benchmark's teardown is its own; the deployment was still serving after it and recorded it.
    expect(fakes.callsTo('teardown').map((c) => c.input.ownerId)).toEqual([benchmarkId, ownerId]);
    expect(serving.phase).toBe('serving');
    expect(serving.benchmarks).toEqual([benchmarkId]);
  });

  it('fails at once with DeploymentUnavailable when the deployment is not serving', async () => {
    const fakes = createFakes({
      async waitForHealth() {
        await Context.current().sleep(HOUR);
        return { ...SERVICE_ENDPOINT };
      },
    });
    const recipe = deploymentRecipe();
    const { starting, missing } = await withWorker(env, bundle, fakes.activities, async (w) => {
      const dep = await startDeployment(w, recipe);
      await waitForPhase(dep, 'waiting-for-health');
      const starting = await failureOf(
        (
          await w.start({
            ...recipeWith('early', [{ duration: '1m' }]),
            service: { deployment: recipe.name },
          })
        ).result(),
      );
      const missing = await failureOf(
        (
          await w.start({ ...recipeWith('nobody', [{ duration: '1m' }]), service: { deployment: 'no-such' } })
        ).result(),
      );
      await dep.cancel();
      return { starting, missing };
    });
    expect(starting.type).toBe('DeploymentUnavailable');
    expect(starting.message).toBe(`deployment ${recipe.name} is not serving (it is waiting-for-health)`);
    expect(missing.type).toBe('DeploymentUnavailable');
    expect(missing.message).toMatch(/deployment no-such is not running/);
    // Non-retryable: one attempt each; nothing of a service was submitted for either benchmark.
    expect(fakes.callsTo('attachDeployment')).toHaveLength(2);
    expect(fakes.callsTo('submitService')).toHaveLength(1);
  });
});
