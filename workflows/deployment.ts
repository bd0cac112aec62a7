/**
 * A deployment: one durable workflow per name (`deploy-<name>`) that submits a service job,
 * waits until it answers, then serves benchmarks that attach to it until `down`, its ttl (a
 * durable timer) or the death of its job. Teardown always runs, from a finally no cancellation
 * reaches. Deterministic: activities do all I/O.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  ContinueAsNew,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  attachUpdate,
  type BenchmarkActivities,
  DEPLOYMENT_ID_PREFIX,
  type DeploymentAttachment,
  type DeploymentCarry,
  type DeploymentPhase,
  type DeploymentStatus,
  deploymentStatusQuery,
  downSignal,
  downUpdate,
  type HealthyEndpoint,
} from '../core/contract';
import type { DeploymentRecipe } from '../core/deployment';
import { NON_RETRYABLE_FAILURES, type RunFailureType } from '../core/failures';
import type { JobRef } from '../core/jobs';
import { healthBudgetMs } from '../core/queue';
import { formatIssues } from '../core/recipe-read';
import { BenchmarkIdKey, ExecutorKey, PhaseKey, RecipeKey, ServiceKindKey } from '../core/search-attributes';
import { imageToPull } from '../core/service-kinds';
import { checkedDeploymentRecipe } from './recipe-check';

/** Attached benchmarks kept in the status (and carried over continue-as-new): the newest ones. */
export const MAX_RECORDED_BENCHMARKS = 200;
/** Continue-as-new well before Temporal's 10,240-event warning: each check adds ~10 events. */
const HISTORY_EVENTS_BEFORE_CONTINUE = 4000;

const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
};

function activitiesFor(recipe: DeploymentRecipe) {
  const heartbeatTimeout = '10s';
  return {
    // A down request must wait for a submission in flight to land, or its job would outlive teardown.
    submit: proxyActivities<BenchmarkActivities>({
      startToCloseTimeout: '2m',
      heartbeatTimeout,
      retry: { ...retry, maximumAttempts: 8 },
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    }),
    health: proxyActivities<BenchmarkActivities>({
      // Queue-aware: the job may pend up to maxPending before the health clock starts.
      startToCloseTimeout: healthBudgetMs(recipe, recipe.service.health.timeout),
      heartbeatTimeout,
      retry: { ...retry, maximumAttempts: 5 },
    }),
    // A pull waits for its job: minutes for a big image.
    pull: proxyActivities<BenchmarkActivities>({
      startToCloseTimeout: '3h',
      heartbeatTimeout,
      retry: { ...retry, maximumAttempts: 3 },
    }),
    quick: proxyActivities<BenchmarkActivities>({
      startToCloseTimeout: '1m',
      heartbeatTimeout,
      retry: { ...retry, maximumAttempts: 8 },
    }),
    // Unlimited attempts: a deployment stays visibly tearing-down rather than leak its job.
    teardown: proxyActivities<BenchmarkActivities>({
      startToCloseTimeout: '5m',
      heartbeatTimeout,
      retry: { ...retry, maximumInterval: '1m' },
    }),
  };
}

function fail(type: RunFailureType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** `input` is the deployment recipe; `carry` only comes from its own continue-as-new. */
export async function deploymentWorkflow(input: unknown, carry?: DeploymentCarry): Promise<DeploymentStatus> {
  const info = workflowInfo();
  const nowMs = Date.now();
  const state: DeploymentStatus = {
    name: null,
    // Unique per run: a job folder of an earlier deployment by this name is never adopted.
    ownerId: carry?.ownerId ?? `${info.workflowId}-${info.runId.slice(0, 8)}`,
    phase: carry ? 'serving' : 'deploying',
    phases: carry?.phases ?? [{ phase: 'deploying', atMs: nowMs }],
    serviceKind: null,
    executor: null,
    endpoint: carry?.endpoint.address ?? null,
    job: carry?.job ?? null,
    startedAtMs: carry?.startedAtMs ?? nowMs,
    expiresAtMs: null,
    benchmarks: carry?.benchmarks ?? [],
    downReason: null,
    error: null,
  };
  let endpoint: HealthyEndpoint | null = carry?.endpoint ?? null;
  const enter = (phase: DeploymentPhase) => {
    if (phase !== state.phase) upsertSearchAttributes([{ key: PhaseKey, value: phase }]);
    state.phase = phase;
    state.phases.push({ phase, atMs: Date.now() });
  };
  let downRequested = false;
  const requestDown = (reason?: string) => {
    if (downRequested || state.phase === 'tearing-down' || state.phase === 'down' || state.phase === 'failed')
      return;
    downRequested = true;
    state.downReason = reason ? `down requested: ${reason}` : 'down requested';
  };

  setHandler(deploymentStatusQuery, () => state);
  setHandler(downSignal, requestDown);
  setHandler(
    downUpdate,
    (reason?: string): { phase: DeploymentPhase } => {
      const phase = state.phase;
      requestDown(reason);
      return { phase };
    },
    {
      validator: (_reason?: string) => {
        if (downRequested || ['tearing-down', 'down', 'failed'].includes(state.phase))
          throw new Error(
            `deployment ${state.name} is already ${downRequested ? 'going down' : state.phase}`,
          );
      },
    },
  );

  const parsed = await checkedDeploymentRecipe(input);
  const expectedName = info.workflowId.startsWith(DEPLOYMENT_ID_PREFIX)
    ? info.workflowId.slice(DEPLOYMENT_ID_PREFIX.length)
    : null;
  upsertSearchAttributes([
    // The job janitor finds a terminated deployment's jobs by this, as it does a benchmark's.
    { key: BenchmarkIdKey, value: state.ownerId },
    { key: PhaseKey, value: state.phase },
    ...(parsed.ok
      ? [
          { key: RecipeKey, value: parsed.recipe.name },
          { key: ServiceKindKey, value: parsed.recipe.service.kind },
          { key: ExecutorKey, value: parsed.recipe.target.executor },
        ]
      : []),
  ]);
  if (!parsed.ok || parsed.recipe.name !== expectedName) {
    state.error = parsed.ok
      ? `workflow id ${JSON.stringify(info.workflowId)} must be ${DEPLOYMENT_ID_PREFIX}${parsed.recipe.name} (one deployment per name)`
      : formatIssues(parsed.issues);
    enter('failed');
    throw fail('InvalidRecipe', state.error);
  }
  const recipe = parsed.recipe;
  state.name = recipe.name;
  state.serviceKind = recipe.service.kind;
  state.executor = recipe.target.executor;
  state.expiresAtMs = state.startedAtMs + recipe.deployment.ttl;
  if (!carry) upsertMemo({ recipe: input });
  const acts = activitiesFor(recipe);
  const where = { ownerId: state.ownerId, target: recipe.target };

  setHandler(
    attachUpdate,
    (benchmarkId: string): DeploymentAttachment => {
      if (!state.benchmarks.includes(benchmarkId)) {
        state.benchmarks.push(benchmarkId);
        state.benchmarks.splice(0, Math.max(0, state.benchmarks.length - MAX_RECORDED_BENCHMARKS));
      }
      // The validator saw it serving: job and endpoint are set.
      return {
        name: recipe.name,
        ownerId: state.ownerId,
        endpoint: endpoint!,
        service: recipe.service,
        target: recipe.target,
        job: state.job!,
      };
    },
    {
      validator: (benchmarkId: string) => {
        if (typeof benchmarkId !== 'string' || benchmarkId === '')
          throw new Error('attach needs a benchmark id');
        if (state.phase !== 'serving' || downRequested) {
          const why = downRequested ? 'going down' : state.phase;
          throw new Error(`deployment ${recipe.name} is not serving (it is ${why})`);
        }
      },
    },
  );

  let failure: unknown;
  let job: JobRef | null = state.job;
  try {
    if (!carry) {
      // Deploying can take minutes (a vLLM start): a down request cuts it short.
      const deploy = new CancellationScope();
      // Cancelled with the workflow: caught, as an unhandled rejection would fail the task.
      condition(() => downRequested).then(
        () => deploy.cancel(),
        () => undefined,
      );
      endpoint = await deploy.run(async () => {
        // The image is pulled once into the cluster's cache before the job that runs it.
        if (imageToPull(recipe.service)) await acts.pull.pullImage({ ...where, service: recipe.service });
        job = await acts.submit.submitService({ ...where, service: recipe.service });
        state.job = job;
        enter('waiting-for-health');
        return acts.health.waitForHealth({ ...where, service: recipe.service, job });
      });
      state.endpoint = endpoint.address;
      enter('serving');
    }
    const expiresAt = state.expiresAtMs;
    for (;;) {
      const remaining = expiresAt - Date.now();
      if (remaining <= 0) {
        state.downReason = 'ttl expired';
        break;
      }
      if (await condition(() => downRequested, Math.min(remaining, recipe.deployment.checkInterval))) break;
      if (Date.now() >= expiresAt) continue;
      const check = await acts.quick.checkService({ target: recipe.target, job: job! });
      if (check.ended) {
        const why = check.reason ? `: ${check.reason}` : '';
        throw fail(
          'DeploymentJobEnded',
          `deployment ${recipe.name}: service job ${job!.name} ended (${check.state}${why}) while serving`,
        );
      }
      if (
        workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE ||
        workflowInfo().continueAsNewSuggested
      ) {
        // Attach answers are synchronous; wait for any in flight so none is lost.
        await condition(allHandlersFinished);
        if (!downRequested) {
          await continueAsNew<typeof deploymentWorkflow>(input, {
            ownerId: state.ownerId,
            startedAtMs: state.startedAtMs,
            job: job!,
            endpoint: endpoint!,
            benchmarks: state.benchmarks,
            phases: state.phases,
          });
        }
      }
    }
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    // A down request during deploying cancels it: that is a clean down, not a failure.
    if (!(downRequested && isCancellation(err))) failure = err;
  }
  await CancellationScope.nonCancellable(async () => {
    enter('tearing-down');
    await acts.teardown.teardown(where);
  });
  state.endpoint = null;
  if (failure === undefined) {
    enter('down');
    return state;
  }
  if (isCancellation(failure)) {
    state.downReason = 'cancelled';
    enter('down');
    throw failure;
  }
  // The activity's own failure (ServiceFailed, HealthTimeout...) is the headline, not its wrapper.
  const cause =
    failure instanceof ActivityFailure && failure.cause instanceof ApplicationFailure
      ? failure.cause
      : failure;
  state.error = cause instanceof Error ? cause.message : String(cause);
  enter('failed');
  throw cause instanceof ApplicationFailure
    ? fail((cause.type as RunFailureType | undefined) ?? 'BenchmarkFailed', cause.message)
    : failure;
}
