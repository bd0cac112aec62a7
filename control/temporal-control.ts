/**
 * `BenchmarkControl` straight on Temporal: visibility for lists, the `status` query and the
 * relay's heartbeats for live views, the stop updates, and the worker's data folder for results
 * and logs (the API runs beside the worker, or shares its AIFB_DATA_DIR).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Client,
  isGrpcDeadlineError,
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { standing } from '../core/admission';
import { admissionStateQuery } from '../core/admission-contract';
import {
  ACTIVITY,
  type BenchmarkStatus,
  type RelayProgress,
  type StopAck,
  statusQuery,
  stopStageUpdate,
  stopUpdate,
  WORKFLOW_TYPE,
} from '../core/contract';
import type { HistoryEntry } from '../core/history';
import { type AifbConfig, paths } from '../core/node/config';
import { readHistory } from '../core/node/history-file';
import { withSiteTarget } from '../core/node/site-target';
import { parseRecipe, type Recipe } from '../core/recipe';
import { formatIssues } from '../core/recipe-read';
import { BenchmarkIdKey, benchmarkSearchAttributes } from '../core/search-attributes';
import type { BenchmarkSummary } from '../core/summary';
import { collectReportData } from '../report/collect';
import type { ReportData } from '../report/types';
import { listItemOf } from './decode';
import { DeploymentControl } from './deployments';
import { failureMessage } from './failure';
import { checkBenchmarkId, checkRecipeName, idempotentBenchmarkId, newBenchmarkId } from './ids';
import { readLogs } from './logs';
import { decodePageToken, encodePageToken } from './page-token';
import { ScheduleControl } from './schedules';
import {
  type BenchmarkControl,
  type BenchmarkView,
  ControlError,
  type DeploymentView,
  type ListFilter,
  type ListPage,
  type LogsOptions,
  type LogsView,
  type ScheduleInput,
  type ScheduleView,
  type StartResult,
} from './types';
import { buildListQuery, quote } from './visibility';

/** A query or update that no worker picks up within this long is reported, not waited on. */
const ANSWER_TIMEOUT_MS = 10_000;
/** A list with a page token Temporal cannot read: INVALID_ARGUMENT, or UNKNOWN (the dev server's answer). */
const TOKEN_REFUSALS = new Set([3, 2]);
const PAGE_TOKEN_TIMEOUT_MS = 5000;

/** The relay's progress as its last heartbeat carried it (a worker that shares no data folder). */
function relayHeartbeat(raw: DescribeRaw): RelayProgress | undefined {
  const relay = raw.pendingActivities?.find((a) => a.activityType?.name === ACTIVITY.relayTelemetry);
  const payload = relay?.heartbeatDetails?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<RelayProgress>(payload) : undefined;
}

type DescribeRaw = Awaited<ReturnType<WorkflowHandle['describe']>>['raw'];

export function validRecipe(input: unknown): Recipe {
  const parsed = parseRecipe(input);
  if (!parsed.ok) throw new ControlError('invalid-input', formatIssues(parsed.issues), parsed.issues);
  return parsed.recipe;
}

export class TemporalControl implements BenchmarkControl {
  private readonly schedules: ScheduleControl;
  private readonly deployments: DeploymentControl;

  constructor(
    readonly client: Client,
    readonly config: AifbConfig,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    this.schedules = new ScheduleControl(client, config.taskQueue);
    this.deployments = new DeploymentControl(client, config.taskQueue);
  }

  async start(given: unknown, options: { idempotencyKey?: string } = {}): Promise<StartResult> {
    const input = withSiteTarget(given);
    const recipe = validRecipe(input);
    const key = options.idempotencyKey;
    const benchmarkId = key ? idempotentBenchmarkId(recipe.name, key) : newBenchmarkId(recipe.name);
    try {
      const handle = await this.client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: this.config.taskQueue,
        workflowId: benchmarkId,
        args: [input],
        // Set at start too (the workflow upserts the same), so a list right after shows it.
        typedSearchAttributes: benchmarkSearchAttributes(benchmarkId, recipe, 'validating'),
        memo: { recipe: input },
        // An id from an Idempotency-Key names one run forever, finished or not.
        ...(key ? { workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE } : {}),
      });
      return { benchmarkId, workflowId: benchmarkId, runId: handle.firstExecutionRunId, created: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError && key) {
        const existing = await this.client.workflow.getHandle(benchmarkId).describe();
        return { benchmarkId, workflowId: benchmarkId, runId: existing.runId, created: false };
      }
      throw err;
    }
  }

  async list(filter: ListFilter = {}): Promise<ListPage> {
    let query: string;
    try {
      query = buildListQuery(filter, WORKFLOW_TYPE);
    } catch (err) {
      throw new ControlError('invalid-input', (err as Error).message);
    }
    const pageToken = filter.pageToken ? decodePageToken(filter.pageToken) : null;
    const request = () =>
      this.client.workflowService.listWorkflowExecutions({
        namespace: this.client.options.namespace,
        query,
        pageSize: filter.pageSize ?? 50,
        nextPageToken: pageToken,
      });
    // A token that passed our check but Temporal refuses (forged, or from another server) must
    // not hang in the client's retries: bounded, and refused as the caller's input.
    const response = await (pageToken
      ? this.client.connection.withDeadline(Date.now() + PAGE_TOKEN_TIMEOUT_MS, request)
      : request()
    ).catch((err: unknown) => {
      if (
        pageToken &&
        (isGrpcDeadlineError(err) || (isGrpcServiceError(err) && TOKEN_REFUSALS.has(err.code)))
      ) {
        throw new ControlError(
          'invalid-input',
          `pageToken: Temporal did not accept it (${(err as Error).message})`,
        );
      }
      throw err;
    });
    return {
      items: (response.executions ?? []).map((raw) => listItemOf(raw)),
      nextPageToken: encodePageToken(response.nextPageToken),
    };
  }

  /** The benchmark's workflow: its id, or (schedule-started runs) the run carrying that AifbBenchmarkId. */
  private async handleOf(benchmarkId: string): Promise<WorkflowHandle> {
    checkBenchmarkId(benchmarkId);
    const direct = this.client.workflow.getHandle(benchmarkId);
    try {
      await direct.describe();
      return direct;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const response = await this.client.workflowService.listWorkflowExecutions({
      namespace: this.client.options.namespace,
      query: `${BenchmarkIdKey.name} = ${quote(benchmarkId)}`,
      pageSize: 1,
    });
    const workflowId = response.executions?.[0]?.execution?.workflowId;
    if (!workflowId) throw new ControlError('not-found', `no benchmark ${benchmarkId}`);
    return this.client.workflow.getHandle(workflowId);
  }

  async status(benchmarkId: string): Promise<BenchmarkView> {
    const handle = await this.handleOf(benchmarkId);
    const description = await handle.describe();
    const item = listItemOf(description.raw.workflowExecutionInfo ?? {});
    const live = await this.client.connection
      .withDeadline(Date.now() + ANSWER_TIMEOUT_MS, () => handle.query(statusQuery))
      .catch(() => null);
    const progress = (await this.liveProgress(benchmarkId)) ?? relayHeartbeat(description.raw);
    // The relay's clients are shown only while they belong to the stage the workflow is in.
    const clients =
      live && progress && progress.stageIndex !== null && progress.stageIndex === live.stageIndex
        ? (progress.clients ?? [])
        : [];
    let failure: string | null = null;
    if (item.status === 'failed' || item.status === 'terminated' || item.status === 'timed-out') {
      failure = await handle.result().then(
        () => null,
        (err: unknown) => failureMessage(err),
      );
    }
    return {
      ...item,
      live: live ? await this.withQueuePosition(live, handle.workflowId) : live,
      clients,
      failure,
    };
  }

  /** A queued run's place in its target's queue, from the admission workflow (best effort). */
  private async withQueuePosition(
    live: BenchmarkStatus,
    benchmarkWorkflowId: string,
  ): Promise<BenchmarkStatus> {
    if (live.phase !== 'queued' || !live.admission) return live;
    const { workflowId } = live.admission;
    const state = await this.client.connection
      .withDeadline(Date.now() + ANSWER_TIMEOUT_MS, () =>
        this.client.workflow.getHandle(workflowId).query(admissionStateQuery),
      )
      .catch(() => null);
    const stands = state ? standing(state, benchmarkWorkflowId) : null;
    if (!stands || stands.running) return live;
    return { ...live, admission: { ...live.admission, position: stands.position, queued: stands.queued } };
  }

  /**
   * The relay hub's latest copy in the shared data folder (activities/relay-hub.ts), fresher
   * than its heartbeats, which reach Temporal only every 30 s or so.
   */
  private async liveProgress(benchmarkId: string): Promise<RelayProgress | undefined> {
    const text = await readFile(paths.live(this.config, benchmarkId), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as RelayProgress;
    } catch {
      return undefined; // written atomically, so only a foreign file: the heartbeat then
    }
  }

  /** Runs one of the stop updates, mapping its refusals to control errors. */
  private async update(
    benchmarkId: string,
    name: string,
    execute: (handle: WorkflowHandle) => Promise<StopAck>,
  ): Promise<StopAck> {
    const handle = await this.handleOf(benchmarkId);
    try {
      return await this.client.connection.withDeadline(Date.now() + ANSWER_TIMEOUT_MS, () => execute(handle));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        throw new ControlError('conflict', failureMessage(err));
      }
      if (err instanceof WorkflowNotFoundError || /already completed/i.test(String(err))) {
        throw new ControlError('conflict', `${benchmarkId} has already ended`);
      }
      if (isGrpcDeadlineError(err)) {
        throw new ControlError('unavailable', `no worker answered the ${name} request for ${benchmarkId}`);
      }
      throw err;
    }
  }

  stop(benchmarkId: string, reason?: string): Promise<StopAck> {
    return this.update(benchmarkId, stopUpdate.name, (handle) =>
      handle.executeUpdate(stopUpdate, { args: [reason] }),
    );
  }

  stopStage(benchmarkId: string): Promise<StopAck> {
    return this.update(benchmarkId, stopStageUpdate.name, (handle) => handle.executeUpdate(stopStageUpdate));
  }

  /** Like stop: a run that already ended is a conflict (409, exit 1), not a silent success. */
  async cancel(benchmarkId: string): Promise<void> {
    const handle = await this.handleOf(benchmarkId);
    const { status } = await handle.describe();
    const ended = () =>
      new ControlError('conflict', `${benchmarkId} has already ended (${status.name.toLowerCase()})`);
    if (status.name !== 'RUNNING') throw ended();
    // It may end between the two calls: the same answer then.
    await handle.cancel().catch((err: unknown) => {
      throw err instanceof WorkflowNotFoundError ? ended() : err;
    });
  }

  async results(benchmarkId: string): Promise<BenchmarkSummary> {
    checkBenchmarkId(benchmarkId);
    const file = join(paths.results(this.config, benchmarkId), 'summary.json');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) return JSON.parse(text) as BenchmarkSummary;
    // Not on this machine's disk: a completed run's summary is its workflow result too.
    const handle = await this.handleOf(benchmarkId);
    const { status } = await handle.describe();
    if (status.name !== 'COMPLETED') {
      throw new ControlError(
        'not-found',
        `no results for ${benchmarkId} yet (it is ${status.name.toLowerCase()}; none in ${file})`,
      );
    }
    return (await handle.result()) as BenchmarkSummary;
  }

  async report(benchmarkId: string): Promise<ReportData> {
    const summary = await this.results(benchmarkId);
    return collectReportData(summary, {
      resultsDir: paths.results(this.config, benchmarkId),
      prometheusUrl: this.config.telemetry?.prometheusUrl ?? null,
    });
  }

  async logs(benchmarkId: string, options: LogsOptions = {}): Promise<LogsView> {
    checkBenchmarkId(benchmarkId);
    return readLogs(paths.logs(this.config, benchmarkId), benchmarkId, options);
  }

  async history(recipeName: string, options: { limit?: number } = {}): Promise<HistoryEntry[]> {
    const entries = await readHistory(this.config, checkRecipeName(recipeName));
    return options.limit === undefined ? entries : entries.slice(-options.limit);
  }

  createSchedule(input: ScheduleInput): Promise<ScheduleView> {
    return this.schedules.create(input);
  }

  listSchedules(): Promise<ScheduleView[]> {
    return this.schedules.list();
  }

  setSchedulePaused(scheduleId: string, paused: boolean): Promise<ScheduleView> {
    return this.schedules.setPaused(scheduleId, paused);
  }

  deleteSchedule(scheduleId: string): Promise<void> {
    return this.schedules.delete(scheduleId);
  }

  deployUp(recipe: unknown): Promise<DeploymentView> {
    return this.deployments.up(recipe);
  }

  listDeployments(): Promise<DeploymentView[]> {
    return this.deployments.list();
  }

  deployment(name: string): Promise<DeploymentView> {
    return this.deployments.get(name);
  }

  deployDown(name: string, reason?: string): Promise<DeploymentView> {
    return this.deployments.down(name, reason);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

/** Benchmarks running now, from Temporal visibility (the API's aifb_benchmarks_running). */
export async function runningBenchmarks(control: TemporalControl): Promise<number> {
  const { count } = await control.client.workflow.count(
    `WorkflowType="${WORKFLOW_TYPE}" AND ExecutionStatus="Running"`,
  );
  return count;
}
