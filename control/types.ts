/**
 * The operations every control surface offers (HTTP API, CLI, Grafana through the API). One
 * interface, two implementations: `TemporalControl` talks to Temporal and reads the worker's
 * data folder; `HttpControl` calls the API, whose routes call a `TemporalControl`. Both return
 * these same shapes, so the CLI prints the same thing whichever way it is connected.
 */
import type { BenchmarkStatus, DeploymentPhase, Phase, StopAck } from '../core/contract';
import type { ControlErrorCode } from '../core/failures';
import type { HistoryEntry } from '../core/history';
import type { ProgressSnapshot } from '../core/loadgen-protocol';
import type { RecipeIssue } from '../core/recipe-read';
import type { BenchmarkSummary } from '../core/summary';
import type { ReportData } from '../report/types';

/** Temporal's execution status, in our spelling. */
export const RUN_STATUSES = [
  'running',
  'completed',
  'failed',
  'cancelled',
  'terminated',
  'timed-out',
  'continued-as-new',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One row of `list`: what visibility knows without asking the workflow. */
export interface BenchmarkListItem {
  benchmarkId: string;
  workflowId: string;
  runId: string;
  status: RunStatus;
  /** The workflow's last upserted phase (AifbPhase). */
  phase: Phase | null;
  recipeName: string | null;
  serviceKind: string | null;
  executor: string | null;
  startedAt: string;
  closedAt: string | null;
}

export interface ListFilter {
  status?: RunStatus;
  phase?: Phase;
  recipe?: string;
  serviceKind?: string;
  executor?: string;
  /** ISO 8601 times, on the workflow's start time. */
  startedAfter?: string;
  startedBefore?: string;
  pageSize?: number;
  /** From the previous page's `nextPageToken`. */
  pageToken?: string;
}

export interface ListPage {
  items: BenchmarkListItem[];
  nextPageToken: string | null;
}

/** `status`: the list row plus the workflow's own live view. */
export interface BenchmarkView extends BenchmarkListItem {
  /** The `status` query; null when no worker answered it in time. */
  live: BenchmarkStatus | null;
  /** The latest progress of each client of the running stage (the relay's heartbeats). */
  clients: ProgressSnapshot[];
  /** Why a failed, terminated or timed-out run ended. */
  failure: string | null;
}

export interface StartResult {
  benchmarkId: string;
  workflowId: string;
  runId: string | null;
  /** False when an Idempotency-Key named a benchmark that already exists (nothing new started). */
  created: boolean;
}

export interface LogsOptions {
  /** A log file's name without `.log`: `service`, `service.err`, `s0-clients-0`, ... */
  component?: string;
  /** Only the last `tail` lines. */
  tail?: number;
  /** Bytes already read (the previous answer's `nextOffset`): what `--follow` polls with. */
  offset?: number;
}

export interface LogsView {
  benchmarkId: string;
  component: string;
  components: string[];
  text: string;
  nextOffset: number;
}

export interface ScheduleInput {
  recipe: unknown;
  /** Standard cron (e.g. `0 2 * * *`, nightly at 02:00 UTC) or... */
  cron?: string;
  /** ...an interval such as `6h`. Exactly one of the two. */
  every?: string;
  /** Defaults to `aifb-<recipe name>`. */
  scheduleId?: string;
  paused?: boolean;
}

export interface ScheduleView {
  scheduleId: string;
  recipeName: string | null;
  cron: string[];
  everyMs: number[];
  paused: boolean;
  nextRuns: string[];
  recentRuns: { workflowId: string; startedAt: string }[];
}

/** A deployment (`aifb deploy`, /deployments): visibility's row plus its live status. */
export interface DeploymentView {
  name: string;
  workflowId: string;
  runId: string;
  status: RunStatus;
  /** The live phase; for a closed run without an answering worker, its last upserted AifbPhase. */
  phase: DeploymentPhase | null;
  /** host:port while serving. */
  endpoint: string | null;
  /** Its service job's name. */
  job: string | null;
  serviceKind: string | null;
  executor: string | null;
  startedAt: string;
  /** When its ttl tears it down. */
  expiresAt: string | null;
  closedAt: string | null;
  /** Benchmarks that attached, oldest first. */
  benchmarks: string[];
  downReason: string | null;
  /** Why a failed (or terminated) deployment ended. */
  failure: string | null;
}

/** The catalogue's codes (core/failures.ts): each has its HTTP status and CLI exit code there. */
export type ControlErrorKind = ControlErrorCode;

export class ControlError extends Error {
  constructor(
    readonly kind: ControlErrorKind,
    message: string,
    /** For an invalid recipe: every problem with its field path. */
    readonly issues: RecipeIssue[] = [],
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

export interface BenchmarkControl {
  start(recipe: unknown, options?: { idempotencyKey?: string }): Promise<StartResult>;
  list(filter?: ListFilter): Promise<ListPage>;
  status(benchmarkId: string): Promise<BenchmarkView>;
  /** Graceful: ends the current stage now, keeps what it measured, skips the rest, tears down. */
  stop(benchmarkId: string, reason?: string): Promise<StopAck>;
  /** Ends the current stage now; the next one starts. */
  stopStage(benchmarkId: string): Promise<StopAck>;
  /** Temporal cancellation: teardown runs, the run ends as cancelled. */
  cancel(benchmarkId: string): Promise<void>;
  results(benchmarkId: string): Promise<BenchmarkSummary>;
  /** What `aifb report` draws: the summary, latency CDFs from the raw stage files, the timeline. */
  report(benchmarkId: string): Promise<ReportData>;
  logs(benchmarkId: string, options?: LogsOptions): Promise<LogsView>;
  /** A recipe's results history (data/history/<recipe>.jsonl), oldest first; the last `limit` runs. */
  history(recipeName: string, options?: { limit?: number }): Promise<HistoryEntry[]>;
  createSchedule(input: ScheduleInput): Promise<ScheduleView>;
  listSchedules(): Promise<ScheduleView[]>;
  setSchedulePaused(scheduleId: string, paused: boolean): Promise<ScheduleView>;
  deleteSchedule(scheduleId: string): Promise<void>;
  /** Starts deployment `recipe.name`; a conflict when one by that name is running. */
  deployUp(recipe: unknown): Promise<DeploymentView>;
  /** The newest run of each deployment name, running ones first. */
  listDeployments(): Promise<DeploymentView[]>;
  deployment(name: string): Promise<DeploymentView>;
  /** Asks it to go down (teardown follows); answers at once, without waiting for the teardown. */
  deployDown(name: string, reason?: string): Promise<DeploymentView>;
  close(): Promise<void>;
}
