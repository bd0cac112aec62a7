/**
 * The benchmark workflow's contract, defined once: its type name and task queue, its phases,
 * its query, signals and updates, its activities and their names, and the shapes they carry.
 * The workflow, the activities and every control surface use these definitions (clients call
 * `handle.query(statusQuery)`), never a name spelled as a string. Pure: the workflow imports it.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { JobRef, JobState } from './jobs';
import type { ClientResult, ProgressSnapshot } from './loadgen-protocol';
import type { Phase } from './phases';
import type { Recipe } from './recipe';
import type { BenchmarkSummary, StageSummary } from './summary';
import type { ServiceIdentity } from './summary-format';

export const TASK_QUEUE = 'aifb-orchestration';
export const WORKFLOW_TYPE = 'benchmarkWorkflow';

// Phases live in their own dependency-free module so the load generator's bundle can use them
// without @temporalio/workflow; this contract is where they belong and are re-exported.
export { FINISHING_PHASES, PHASES, type Phase } from './phases';

/** What the `status` query returns: enough for a live view without reading history. */
export interface BenchmarkStatus {
  benchmarkId: string;
  recipeName: string | null;
  phase: Phase;
  phases: { phase: Phase; atMs: number }[];
  stageIndex: number | null;
  stageName: string | null;
  stageCount: number;
  /** When the current stage's load is planned to end (epoch ms). */
  stageEndsAtMs: number | null;
  endpoint: string | null;
  jobs: string[];
  stages: StageSummary[];
  stopRequested: boolean;
  error: string | null;
}

/** What the stop and stopStage updates answer: where the benchmark was when asked. */
export interface StopAck {
  phase: Phase;
  stageName: string | null;
}

export interface BenchInput {
  benchmarkId: string;
  recipe: Recipe;
}

export interface HealthyEndpoint {
  host: string;
  port: number;
  /** host:port as clients (on the cluster) reach it. */
  address: string;
  /** Base URL clients send to (`http://address`, or an external service's own URL). */
  url: string;
  /** What is serving (summary `service.identity`). */
  identity?: ServiceIdentity;
}

export interface ClientsCheck {
  state: JobState;
  ended: boolean;
}

export interface FinishedClients {
  results: ClientResult[];
  /** Clients that wrote no result, with why (exit status, stderr tail). */
  missing: { index: number; reason: string }[];
  /** The stage was ended early by a stop: its in-flight requests were aborted on purpose. */
  stoppedEarly?: boolean;
}

/** The live progress the relay publishes in its heartbeats (read by `aifb run --watch`). */
export interface RelayProgress {
  stageJob: string | null;
  clients: ProgressSnapshot[];
  logBytes: number;
}

export interface BenchmarkActivities {
  /** Pulls the service's container image into the cluster's cache (a job); returns its file. */
  pullImage(input: BenchInput): Promise<{ image: string; file: string }>;
  submitService(input: BenchInput): Promise<JobRef>;
  /** `service` null: nothing was launched (an external service); its URL is probed as it is. */
  waitForHealth(input: BenchInput & { service: JobRef | null }): Promise<HealthyEndpoint>;
  startClients(input: BenchInput & { stageIndex: number; serviceUrl: string }): Promise<JobRef>;
  checkClients(input: { job: JobRef; recipe: Recipe }): Promise<ClientsCheck>;
  finishClients(
    input: BenchInput & { job: JobRef; stageIndex: number; stopNow: boolean },
  ): Promise<FinishedClients>;
  collectMetrics(input: BenchInput & { stageIndex: number; clients: FinishedClients }): Promise<StageSummary>;
  writeResults(input: {
    benchmarkId: string;
    recipe: Recipe;
    status: BenchmarkSummary['status'];
    startedAtMs: number;
    endpoint: string | null;
    identity?: ServiceIdentity;
    stages: StageSummary[];
    error?: string;
    /** The failed validity rules, one line each (status invalid). */
    invalid?: string[];
  }): Promise<BenchmarkSummary>;
  relayTelemetry(input: BenchInput): Promise<void>;
  /** The final log copy and Loki push, and the run's final phase for the status metrics. */
  flushLogs(input: BenchInput & { outcome?: Phase }): Promise<void>;
  teardown(input: BenchInput): Promise<{ cancelled: string[] }>;
}

/** Activity names, checked against the interface: control/ finds the relay by this name. */
export const ACTIVITY = {
  pullImage: 'pullImage',
  submitService: 'submitService',
  waitForHealth: 'waitForHealth',
  startClients: 'startClients',
  checkClients: 'checkClients',
  finishClients: 'finishClients',
  collectMetrics: 'collectMetrics',
  writeResults: 'writeResults',
  relayTelemetry: 'relayTelemetry',
  flushLogs: 'flushLogs',
  teardown: 'teardown',
} as const satisfies { [K in keyof BenchmarkActivities]-?: K };

/** The live view: phase, stage, jobs, stages so far. */
export const statusQuery = defineQuery<BenchmarkStatus>('status');
/** Graceful stop: end the current stage now, keep what it measured, skip the rest, tear down. */
export const stopSignal = defineSignal<[reason?: string]>('stop');
/** End the current stage now and go on with the next one. */
export const stopStageSignal = defineSignal('stopStage');
/** The same two requests as updates: the caller learns whether there was anything to stop. */
// The reason is always an argument (possibly undefined): the client's typing has no optional args.
export const stopUpdate = defineUpdate<StopAck, [reason: string | undefined]>('stop');
export const stopStageUpdate = defineUpdate<StopAck>('stopStage');
