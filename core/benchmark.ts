/**
 * Types shared by the workflow, the activities and the control surfaces. Type-only on the
 * activity side, so workflow code can import this without pulling in Node modules.
 */
import type { JobRef, JobState } from '../executors/types';
import type { ClientResult, ProgressSnapshot } from './loadgen-protocol';
import type { Recipe } from './recipe';
import type { BenchmarkSummary, StageSummary } from './summary';

export const TASK_QUEUE = 'aifb-orchestration';
export const WORKFLOW_TYPE = 'benchmarkWorkflow';

export type Phase =
  | 'validating'
  | 'deploying'
  | 'waiting-for-health'
  | 'loading'
  | 'collecting'
  | 'tearing-down'
  | 'done'
  | 'failed'
  | 'cancelled';

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
}

export interface ClientsCheck {
  state: JobState;
  ended: boolean;
}

export interface FinishedClients {
  results: ClientResult[];
  /** Clients that wrote no result, with why (exit status, stderr tail). */
  missing: { index: number; reason: string }[];
}

/** The live progress the relay publishes in its heartbeats (read by `aifb run --watch`). */
export interface RelayProgress {
  stageJob: string | null;
  clients: ProgressSnapshot[];
  logBytes: number;
}

export interface BenchmarkActivities {
  submitService(input: BenchInput): Promise<JobRef>;
  waitForHealth(input: BenchInput & { service: JobRef }): Promise<HealthyEndpoint>;
  startClients(input: BenchInput & { stageIndex: number; serviceAddress: string }): Promise<JobRef>;
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
    stages: StageSummary[];
    error?: string;
  }): Promise<BenchmarkSummary>;
  relayTelemetry(input: BenchInput): Promise<void>;
  /** The final log copy and Loki push, and the run's final phase for the status metrics. */
  flushLogs(input: BenchInput & { outcome?: Phase }): Promise<void>;
  teardown(input: BenchInput): Promise<{ cancelled: string[] }>;
}
