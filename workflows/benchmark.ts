/**
 * One benchmark = one durable workflow. Deterministic: it decides and waits; activities
 * (activities/) do all I/O. Teardown always runs, from a finally block no cancellation reaches.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { benchmarkIdOf, benchmarkIdProblem } from '../core/benchmark-id';
import { probeVerdict } from '../core/capacity-search';
import {
  type BenchInput,
  type BenchmarkActivities,
  type BenchmarkStatus,
  clientsEndedSignal,
  FINISHING_PHASES,
  type HealthyEndpoint,
  initialStatus,
  type Phase,
  relayTaskQueue,
  type StopAck,
  statusQuery,
  stopSignal,
  stopStageSignal,
  stopStageUpdate,
  stopUpdate,
} from '../core/contract';
import { NON_RETRYABLE_FAILURES, type RunFailureType } from '../core/failures';
import type { JobRef } from '../core/jobs';
import { healthBudgetMs } from '../core/queue';
import type { Recipe } from '../core/recipe';
import { formatIssues, sameTarget } from '../core/recipe-read';
import { benchmarkSearchAttributes, PhaseKey } from '../core/search-attributes';
import { imageToPull, isLaunched } from '../core/service-kinds';
import { checkIntervalMs, checkIntervalMsV1 } from '../core/stage-checks';
import {
  knownStageCount,
  nextStage,
  probeValue,
  runRecipe,
  type StageRecord,
  stageMayFollow,
} from '../core/stage-plan';
import { type StageGo, startBoundMs } from '../core/stage-start';
import type { BenchmarkSummary, StageSummary } from '../core/summary';
import type { OversaturationVerdict, ServiceIdentity, ServiceTiming } from '../core/summary-format';
import { invalidReasons } from '../core/validity';
import { takePlace } from './admit';
import { checkedRecipe } from './recipe-check';
import { freshRepetitions } from './repetitions';

const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  // The activities throw these non-retryable already; listed too so no retry policy can differ.
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
};

/**
 * Every activity heartbeats while it runs (activities/heartbeat.ts): a worker that dies is
 * noticed within this long, and the activity retried on another, in whatever phase it was.
 */
const HEARTBEAT_TIMEOUT = '10s';

function activitiesFor(recipe: Recipe) {
  const quick = proxyActivities<BenchmarkActivities>({
    startToCloseTimeout: '2m',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { ...retry, maximumAttempts: 8 },
  });
  // Submissions create jobs: a cancel must wait until one in flight has landed, or teardown
  // could run first and the job would outlive it.
  const submit = proxyActivities<BenchmarkActivities>({
    startToCloseTimeout: '2m',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { ...retry, maximumAttempts: 8 },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const health = proxyActivities<BenchmarkActivities>({
    // A benchmark naming a deployment waits for no health: the deployment did.
    // Queue-aware: the job may pend up to maxPending before the health clock starts.
    startToCloseTimeout: healthBudgetMs(
      recipe,
      recipe.service.kind === 'deployment' ? 0 : recipe.service.health.timeout,
    ),
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { ...retry, maximumAttempts: 5 },
  });
  const longestStage = Math.max(...recipe.workload.stages.map((s) => s.cooldown));
  const finish = proxyActivities<BenchmarkActivities>({
    startToCloseTimeout: longestStage + recipe.workload.requestTimeout + 300_000,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { ...retry, maximumAttempts: 5 },
  });
  // A stage's start waits for its clients: however long the allocation is queued (the executor
  // fails it after the target's pending bound), then the stragglers' bound.
  const barrier = proxyActivities<BenchmarkActivities>({
    startToCloseTimeout: 2 * startBoundMs(recipe) + 600_000,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { ...retry, maximumAttempts: 5 },
    // A stop cancels the wait: it must have ended before finishClients looks for its go.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  // A pull waits for its job: minutes for a big image, longer when the queue is busy.
  const pull = proxyActivities<BenchmarkActivities>({
    startToCloseTimeout: '3h',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { ...retry, maximumAttempts: 3 },
  });
  // The relay is best effort and restartable: it must never fail the benchmark. It runs on its
  // own task queue (a slot for the run's whole life, from a separate budget) and is not waited
  // for when cancelled: flushLogs makes the last copy (activities/relay-hub.ts).
  const relay = proxyActivities<BenchmarkActivities>({
    taskQueue: relayTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '30d',
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    // The hub beats every relay at least every 15 s and the worker sends a beat every 30 s (a
    // write on the server each: a thousand relays make 33 a second, not 100 as every 10 s); a
    // relay of a dead worker moves within a minute: telemetry, the benchmark does not wait for it.
    heartbeatTimeout: '60s',
    retry, // no maximumAttempts: unlimited
  });
  // Teardown retries without limit: a benchmark stays visibly "tearing-down" rather than leak jobs.
  const teardown = proxyActivities<BenchmarkActivities>({
    startToCloseTimeout: '5m',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { ...retry, maximumInterval: '1m' }, // unlimited attempts
  });
  return { quick, submit, health, barrier, pull, finish, relay, teardown };
}

/** Backstop for a stage bounded by maxRequests only: its clients normally end long before. */
const REQUEST_BOUND_STAGE_MAX_MS = 24 * 3600_000;

/**
 * A failed activity reaches the workflow wrapped ("Activity task failed"). The run fails with
 * the activity's own failure instead, so its type (ServiceFailed, HealthTimeout...) and message
 * are what people and the API see first; the wrapper stays as the cause.
 */
function domainFailure(err: unknown, note?: string): unknown {
  const cause =
    err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
  if (!cause && !note) return err;
  const base = cause ?? (err instanceof ApplicationFailure ? err : undefined);
  return ApplicationFailure.create({
    type: base?.type ?? ('BenchmarkFailed' satisfies RunFailureType),
    message: `${base?.message ?? (err instanceof Error ? err.message : String(err))}${note ? `\n${note}` : ''}`,
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
  });
}

export async function benchmarkWorkflow(input: unknown): Promise<BenchmarkSummary> {
  const benchmarkId = benchmarkIdOf(workflowInfo().workflowId);
  const startedAtMs = Date.now();
  const state: BenchmarkStatus = initialStatus(benchmarkId, startedAtMs);
  const enter = (phase: Phase) => {
    if (phase !== state.phase) upsertSearchAttributes([{ key: PhaseKey, value: phase }]);
    state.phase = phase;
    state.phases.push({ phase, atMs: Date.now() });
  };
  let stopStage = false;
  const requestStop = () => {
    state.stopRequested = true;
  };
  const requestStopStage = () => {
    stopStage = true;
  };
  setHandler(statusQuery, () => state);
  setHandler(stopSignal, requestStop);
  setHandler(stopStageSignal, requestStopStage);
  // The relay hub's word that the stage's clients have all ended (a crash, a request limit).
  let clientsEndedStage: number | null = null;
  setHandler(clientsEndedSignal, (stageIndex: number) => {
    clientsEndedStage = stageIndex;
  });
  setHandler(
    stopUpdate,
    (_reason?: string): StopAck => {
      requestStop();
      return { phase: state.phase, stageName: state.stageName };
    },
    {
      validator: (_reason?: string) => {
        if (FINISHING_PHASES.includes(state.phase))
          throw new Error(`nothing to stop: the benchmark is ${state.phase}`);
      },
    },
  );
  setHandler(
    stopStageUpdate,
    (): StopAck => {
      requestStopStage();
      return { phase: state.phase, stageName: state.stageName };
    },
    {
      validator: () => {
        if (state.phase !== 'loading' || stopStage || state.stopRequested) {
          throw new Error(`no stage is running: the benchmark is ${state.phase}`);
        }
      },
    },
  );

  const parsed = await checkedRecipe(input);
  // Listed in visibility (Web UI, API) from its first task on; `enter` keeps the phase current.
  upsertSearchAttributes(
    benchmarkSearchAttributes(benchmarkId, parsed.ok ? parsed.recipe : null, state.phase),
  );
  // An id that cannot name files and jobs fails at once: nothing was submitted, nothing to tear down.
  const idProblem = benchmarkIdProblem(benchmarkId);
  if (idProblem) {
    state.error = `workflow id ${JSON.stringify(workflowInfo().workflowId)} cannot name a benchmark: ${idProblem}`;
    enter('failed');
    throw ApplicationFailure.create({
      type: 'InvalidBenchmarkId' satisfies RunFailureType,
      message: state.error,
      nonRetryable: true,
    });
  }
  if (!parsed.ok) {
    state.error = formatIssues(parsed.issues);
    enter('failed');
    throw ApplicationFailure.create({
      type: 'InvalidRecipe' satisfies RunFailureType,
      message: state.error,
      nonRetryable: true,
      details: [parsed.issues],
    });
  }
  const recipe = parsed.recipe;
  const bench = { benchmarkId, recipe };
  const own = { ownerId: benchmarkId, target: recipe.target };
  upsertMemo({ recipe: input });
  state.recipeName = recipe.name;
  const repetitions = recipe.workload.repeat.count;
  state.stageCount = knownStageCount(recipe, [], repetitions);
  const acts = activitiesFor(recipe);
  // A fresh deployment per repetition: each repetition is a child benchmark of its own.
  if (recipe.workload.repeat.fresh && repetitions > 1) {
    return freshRepetitions({
      input,
      recipe,
      state,
      enter,
      takeStopStage: () => {
        const asked = stopStage;
        stopStage = false;
        return asked;
      },
      writeResults: acts.quick.writeResults,
      startedAtMs,
      workflow: benchmarkWorkflow,
    });
  }

  // Admission control: `queued` while its target runs its limit; the place is released after teardown.
  const place = await takePlace(recipe, state, enter);
  if (!place) {
    // Stopped while queued: it ran nothing, and ends stopped as a stop before any stage does.
    const stopped = { ...bench, status: 'stopped' as const, startedAtMs, endpoint: null, stages: [] };
    const summary = await acts.quick.writeResults(stopped);
    enter('done');
    return summary;
  }

  let result: BenchmarkSummary | undefined;
  let invalid: string[] = [];
  // What served and its clocks, as the health wait found them (summary `service`).
  let served: { identity?: ServiceIdentity; timing?: ServiceTiming } = {};
  const relayScope = new CancellationScope();
  const relayDone = relayScope.run(() => acts.relay.relayTelemetry(bench)).catch(() => undefined);

  // The recipe with its service: its own, or what its deployment serves (once attached).
  let run: BenchInput = bench;
  // A deployment's service job: not the benchmark's, so not among its jobs or torn down with them.
  let deploymentJob: JobRef | undefined;
  try {
    let endpoint: HealthyEndpoint;
    if (recipe.service.kind === 'deployment') {
      enter('waiting-for-health');
      const name = recipe.service.deployment;
      const attached = await acts.quick.attachDeployment({ name, benchmarkId });
      // Its clients run on the benchmark's target and must reach the deployment's address
      // (their own partition may differ: target.slurm.clients).
      if (!sameTarget(attached.target, recipe.target)) {
        throw ApplicationFailure.create({
          type: 'DeploymentUnavailable' satisfies RunFailureType,
          message: `deployment ${name} runs on target ${attached.target.executor}, not on this recipe's target (${recipe.target.executor}): give the benchmark the deployment's target`,
          nonRetryable: true,
        });
      }
      state.deployment = name;
      deploymentJob = attached.job;
      endpoint = attached.endpoint;
      run = { benchmarkId, recipe: { ...recipe, service: attached.service } };
    } else {
      const service = {
        ...own,
        service: recipe.service,
        api: recipe.workload.kind,
        ...(recipe.workload.apiKeyEnv ? { apiKeyEnv: recipe.workload.apiKeyEnv } : {}),
        ...(recipe.telemetry.directLokiUrl ? { directLokiUrl: recipe.telemetry.directLokiUrl } : {}),
      };
      if (imageToPull(recipe.service)) {
        enter('pulling-image');
        await acts.pull.pullImage(service);
      }
      // An external service is already running: nothing to submit, only to probe.
      let job: JobRef | null = null;
      if (isLaunched(recipe.service)) {
        enter('deploying');
        job = await acts.submit.submitService(service);
        state.jobs.push(job.name);
      }

      enter('waiting-for-health');
      endpoint = await acts.health.waitForHealth({ ...service, job });
    }
    state.endpoint = endpoint.address;
    served = {
      ...(endpoint.identity ? { identity: endpoint.identity } : {}),
      ...(endpoint.timing ? { timing: endpoint.timing } : {}),
    };
    state.serviceTiming = endpoint.timing ?? null;
    const deployment = state.deployment ? { deployment: state.deployment } : {};

    // One clients allocation serves every stage (README "How it works"): submitted once, each
    // stage handed to it and started on all its clients together. The stages are made one at a
    // time from the recipe's (core/stage-plan.ts): a sweep's rates from what it measured, a
    // search's next probe from the verdicts so far; the same summaries give the same stages
    // on replay.
    let clientsJob: JobRef | undefined;
    let clientsReleased = false;
    const history: StageRecord[] = [];
    for (;;) {
      if (state.stopRequested) break;
      const planned = nextStage(recipe, history, repetitions);
      if (!planned) break;
      const index = history.length;
      const record: StageRecord = { planned, summary: null };
      history.push(record);
      // The activities see the loads so far as the recipe's stages (index = stage index).
      const stageRun: BenchInput = {
        ...run,
        recipe: runRecipe(
          run.recipe,
          history.map((h) => h.planned),
        ),
      };
      const stage = planned.spec;
      enter('loading');
      state.stageIndex = index;
      state.stageName = stage.name;
      state.stageCount = knownStageCount(recipe, history, repetitions);
      stopStage = false;
      if (!clientsJob) {
        clientsJob = await acts.submit.startClients(run);
        state.jobs.push(clientsJob.name);
      }
      const job = clientsJob;

      // The start barrier: no stage clock runs while the clients are queued or starting up.
      state.clientsWaitingSinceMs = Date.now();
      const go = await unlessStopped(() =>
        acts.barrier.startStage({ ...stageRun, job, stageIndex: index, serviceUrl: endpoint.url }),
      );
      state.clientsWaitingSinceMs = null;
      if (go?.queueWaitMs !== undefined) state.clientsQueueWaitMs = go.queueWaitMs;

      let oversaturation: OversaturationVerdict | undefined;
      if (go) {
        // The stage's length is a durable timer from the common start: it survives worker
        // restarts and skips in tests. A stage bounded by maxRequests alone ends when its clients
        // do (checkClients sees it); its timer is only a backstop.
        const plannedMs = stage.warmup + (stage.duration ?? REQUEST_BOUND_STAGE_MAX_MS);
        const endsAt = go.startAtMs + plannedMs;
        state.stageEndsAtMs = endsAt;
        // Runs started before the hub signalled early ends replay with the checks they made.
        const hubEndsStages = patched('relay-hub-ends-stages');
        for (;;) {
          const remaining = endsAt - Date.now();
          if (remaining <= 0) break;
          const pace = {
            plannedMs,
            requestBound: stage.duration === undefined,
            oversaturationStop: stage.stopWhenOversaturated,
            elapsedMs: Date.now() - go.startAtMs,
          };
          const every = hubEndsStages ? checkIntervalMs(pace) : checkIntervalMsV1(pace);
          const interrupted = await condition(
            () => stopStage || state.stopRequested || clientsEndedStage === index,
            Math.min(remaining, every),
          );
          if (interrupted || Date.now() >= endsAt) break;
          const check = await acts.quick.checkClients({
            job,
            recipe: stageRun.recipe,
            stageIndex: index,
            clients: go.clients,
            ...(stage.stopWhenOversaturated ? { oversaturation: { startAtMs: go.startAtMs } } : {}),
          });
          if (check.ended) break;
          // Queueing grows without bound: what follows would measure the queue, not the service.
          if (check.oversaturation?.detected) {
            oversaturation = check.oversaturation;
            break;
          }
        }
      }
      const last = state.stopRequested || !stageMayFollow(recipe, history, repetitions);
      const clients = await acts.finish.finishClients({
        ...stageRun,
        job,
        stageIndex: index,
        stopNow: stopStage || state.stopRequested || oversaturation !== undefined,
        last,
      });
      clientsReleased = last;
      state.stageEndsAtMs = null;
      // Stopped before its clients started: it measured nothing, so it has no summary.
      if (clients.notStarted) continue;
      enter('collecting');
      const collected: StageSummary = await acts.quick.collectMetrics({
        ...stageRun,
        stageIndex: index,
        clients,
        origin: planned.origin,
        ...(oversaturation ? { oversaturation } : {}),
        ...(deploymentJob ? { service: deploymentJob } : {}),
      });
      // A probe carries its verdict: the next probe is decided from it (and shown with it).
      const plan = recipe.workload.stages[planned.origin.recipeIndex]!;
      const summary: StageSummary =
        plan.mode === 'capacity-search'
          ? {
              ...collected,
              origin: { ...planned.origin, probe: probeVerdict(plan, probeValue(stage), collected) },
            }
          : collected;
      record.summary = summary;
      state.stages.push(summary);
      // A dead service cannot serve the next stage: stop here, the verdict below says why.
      if (summary.validity?.failures.some((f) => f.rule === 'service-alive')) break;
    }
    // The last stage could not know it was the last (a search decides after it): say so now.
    if (clientsJob && !clientsReleased) await acts.quick.releaseClients({ ...run, job: clientsJob });

    invalid = invalidReasons(state.stages);
    result = await acts.quick.writeResults({
      ...run,
      ...deployment,
      status: invalid.length > 0 ? 'invalid' : state.stopRequested ? 'stopped' : 'completed',
      startedAtMs,
      endpoint: state.endpoint,
      ...served,
      stages: state.stages,
      ...(deploymentJob ? { serviceJob: deploymentJob } : {}),
      ...(invalid.length > 0 ? { invalid } : {}),
      ...(state.clientsQueueWaitMs !== null ? { clientsQueueWaitMs: state.clientsQueueWaitMs } : {}),
    });
    await tearDown(invalid.length > 0 ? 'failed' : 'done');
  } catch (err) {
    state.error =
      err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    const cancelled = isCancellation(err);
    let teardownNote: string | undefined;
    await CancellationScope.nonCancellable(async () => {
      // Keep whatever the finished stages measured.
      if (state.stages.length > 0) {
        await acts.quick
          .writeResults({
            ...run,
            ...(state.deployment ? { deployment: state.deployment } : {}),
            status: cancelled ? 'cancelled' : 'failed',
            startedAtMs,
            endpoint: state.endpoint,
            ...served,
            stages: state.stages,
            ...(deploymentJob ? { serviceJob: deploymentJob } : {}),
            error: state.error ?? undefined,
          })
          .catch(() => undefined);
      }
      try {
        await tearDown(cancelled ? 'cancelled' : 'failed');
      } catch (teardownErr) {
        // The original failure stays the headline; a teardown that could not run must be seen.
        const why = teardownErr instanceof Error ? (teardownErr.cause ?? teardownErr) : teardownErr;
        teardownNote = `teardown could not run: ${why instanceof Error ? why.message : String(why)}`;
      }
    });
    enter(cancelled ? 'cancelled' : 'failed');
    throw cancelled && !teardownNote ? err : domainFailure(err, teardownNote);
  } finally {
    await place.release();
  }

  // It ran, but not as asked: an invalid run must never read as a success (the results stay).
  if (invalid.length > 0) {
    state.error = `benchmark ${benchmarkId} is INVALID:\n${invalid.join('\n')}`;
    enter('failed');
    throw ApplicationFailure.create({
      type: 'InvalidRun' satisfies RunFailureType,
      message: state.error,
      nonRetryable: true,
    });
  }
  enter('done');
  return result;

  /**
   * Runs a stage's start, unless a stop comes first: the wait is then cancelled (null). A go it
   * wrote meanwhile is found and stopped by finishClients, which reads it from the job folder.
   */
  async function unlessStopped(start: () => Promise<StageGo>): Promise<StageGo | null> {
    const scope = new CancellationScope();
    const started = scope.run(start);
    const stopped = condition(() => stopStage || state.stopRequested).then(() => null);
    const first = await Promise.race([started, stopped]);
    if (first) return first;
    scope.cancel();
    await started.catch(() => undefined);
    return null;
  }

  /** `outcome` is the phase the run ends in, published with the last telemetry push. */
  async function tearDown(outcome: Phase): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      enter('tearing-down');
      // The benchmark's own jobs only: a deployment that served it stays up.
      await acts.teardown.teardown(own);
      relayScope.cancel();
      await relayDone;
      await acts.quick.flushLogs({ ...bench, outcome }).catch(() => undefined);
    });
  }
}
