/**
 * The workflows' contract, defined once: the benchmark's and the deployment's type names and
 * task queue, phases, queries, signals and updates, the activities and their names, and the
 * shapes they carry.
 * The workflow, the activities and every control surface use these definitions (clients call
 * `handle.query(statusQuery)`), never a name spelled as a string. Pure: the workflow imports it.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeploymentParseResult, Target } from './deployment';
import type { JobRef, JobState } from './jobs';
import type { ClientResult, ProgressSnapshot, WorkloadKind } from './loadgen-protocol';
import type { Phase } from './phases';
import type { ParseResult, Recipe, Service } from './recipe';
import type { StageGo } from './stage-start';
import type { BenchmarkSummary, StageSummary } from './summary';
import type { OversaturationVerdict, ServiceIdentity, ServiceTiming, StageOrigin } from './summary-format';

export const TASK_QUEUE = 'aifb-orchestration';
/**
 * The relays' own task queue beside a benchmark task queue: a relay lives as long as its
 * benchmark, so it must never hold one of the slots every other activity needs (README
 * "Scale"). Every worker polls both, with a separate budget for each.
 */
export function relayTaskQueue(taskQueue: string): string {
  return `${taskQueue}-relay`;
}
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
  /**
   * The run's stages as far as they are known: loaded so far, plus what the stages ahead make at
   * least. Grows while a capacity search adds probes (core/stage-plan.ts knownStageCount).
   */
  stageCount: number;
  /** When the current stage's load is planned to end (epoch ms); null while it waits for its clients. */
  stageEndsAtMs: number | null;
  /** Since when the current stage waits for its clients to be ready (queued allocation, start-up). */
  clientsWaitingSinceMs: number | null;
  /** How long the first stage waited for the clients allocation (queue + start-up), once known. */
  clientsQueueWaitMs: number | null;
  endpoint: string | null;
  /** The service job's queue wait and start-up, once it is ready. */
  serviceTiming: ServiceTiming | null;
  /** The deployment serving the benchmark, when its recipe names one. */
  deployment: string | null;
  jobs: string[];
  stages: StageSummary[];
  stopRequested: boolean;
  error: string | null;
  /**
   * Its target's admission workflow and limit, when one applies (workflows/admit.ts). While
   * `queued`, the status surfaces add its `position` in the queue (1 = next) and `queued`.
   */
  admission?: { workflowId: string; limit: number; position?: number; queued?: number };
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

/**
 * A service to deploy, for a benchmark or a deployment alike. `ownerId` is the benchmark id or
 * the deployment's `deploy-<name>-<run>`: job names carry it, teardown cancels by it.
 */
export interface ServiceInput {
  ownerId: string;
  target: Target;
  service: Service;
  /**
   * The workload's kind: an LLM kind makes readiness ask for a 1-token completion of that API
   * (default chat); other kinds are ready when the service's health check answers.
   */
  api?: WorkloadKind;
  /** The variable holding the API key the probes send (the workload's apiKeyEnv). */
  apiKeyEnv?: string;
  /** Loki as the job reaches it (recipe telemetry.directLokiUrl): the job ships its own output. */
  directLokiUrl?: string;
}

export interface TeardownInput {
  ownerId: string;
  target: Target;
}

export interface ServiceCheck {
  state: JobState;
  ended: boolean;
  /** Why it ended, when the executor knows (exit status, Slurm's reason). */
  reason?: string;
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
  /** Queue-aware clocks: how long the job pended, then how long it took to answer once running. */
  timing?: ServiceTiming;
}

export interface ClientsCheck {
  state: JobState;
  ended: boolean;
  /** The over-saturation detector's verdict, when the stage asks for it (stopWhenOversaturated). */
  oversaturation?: OversaturationVerdict;
}

export interface FinishedClients {
  results: ClientResult[];
  /** Clients that wrote no result, with why (exit status, stderr tail). */
  missing: { index: number; reason: string }[];
  /** The stage was ended early by a stop: its in-flight requests were aborted on purpose. */
  stoppedEarly?: boolean;
  /** A stop came before the stage's start barrier opened: it never ran (nothing to collect). */
  notStarted?: boolean;
}

/** A benchmark's status when its workflow starts: validating, nothing known yet. */
export function initialStatus(benchmarkId: string, atMs: number): BenchmarkStatus {
  return {
    benchmarkId,
    recipeName: null,
    phase: 'validating',
    phases: [{ phase: 'validating', atMs }],
    stageIndex: null,
    stageName: null,
    stageCount: 0,
    stageEndsAtMs: null,
    clientsWaitingSinceMs: null,
    clientsQueueWaitMs: null,
    endpoint: null,
    serviceTiming: null,
    deployment: null,
    jobs: [],
    stages: [],
    stopRequested: false,
    error: null,
  };
}

/** The live progress the relay publishes in its heartbeats (read by `aifb run --watch`). */
export interface RelayProgress {
  /** The stage whose progress `clients` is (the clients job runs them all). */
  stageIndex: number | null;
  clients: ProgressSnapshot[];
  logBytes: number;
}

/** Every activity the worker runs, for both workflows. */
export interface BenchmarkActivities {
  /** Pulls the service's container image into the cluster's cache (a job); returns its file. */
  pullImage(input: ServiceInput): Promise<{ image: string; file: string }>;
  submitService(input: ServiceInput): Promise<JobRef>;
  /** `job` null: nothing was launched (an external service); its URL is probed as it is. */
  waitForHealth(input: ServiceInput & { job: JobRef | null }): Promise<HealthyEndpoint>;
  /** The state of a deployment's service job (polled while it serves). */
  checkService(input: { target: Target; job: JobRef }): Promise<ServiceCheck>;
  /** Asks deployment `name` for its endpoint (attachUpdate); DeploymentUnavailable when it is not serving. */
  attachDeployment(input: { name: string; benchmarkId: string }): Promise<DeploymentAttachment>;
  /** Submits the benchmark's one clients job (all stages). */
  startClients(input: BenchInput): Promise<JobRef>;
  /** Hands a stage to the clients and waits until all are ready; answers the common start. */
  startStage(input: BenchInput & { job: JobRef; stageIndex: number; serviceUrl: string }): Promise<StageGo>;
  /**
   * Whether the stage's clients have all finished it; with `oversaturation`, also whether its
   * queueing grows without bound (core/oversaturation.ts over their progress since `startAtMs`,
   * with the recipe's `workload.oversaturation` settings).
   */
  checkClients(input: {
    job: JobRef;
    recipe: Recipe;
    stageIndex: number;
    clients: number[];
    oversaturation?: { startAtMs: number };
  }): Promise<ClientsCheck>;
  /** `last`: no stage follows; the clients are told they are done. */
  finishClients(
    input: BenchInput & { job: JobRef; stageIndex: number; stopNow: boolean; last: boolean },
  ): Promise<FinishedClients>;
  collectMetrics(
    input: BenchInput & {
      stageIndex: number;
      clients: FinishedClients;
      /** The service job when it is not the benchmark's own (a deployment's). */
      service?: JobRef;
      /** What made the stage (a sweep, a search, a repetition): kept in its summary. */
      origin?: StageOrigin;
      /** The detector's verdict when it ended the stage: the stage is invalid (over-saturated). */
      oversaturation?: OversaturationVerdict;
    },
  ): Promise<StageSummary>;
  /** Tells the clients no stage follows (when the last stage's finishClients could not know). */
  releaseClients(input: BenchInput & { job: JobRef }): Promise<void>;
  writeResults(input: {
    benchmarkId: string;
    recipe: Recipe;
    status: BenchmarkSummary['status'];
    startedAtMs: number;
    endpoint: string | null;
    identity?: ServiceIdentity;
    timing?: ServiceTiming;
    stages: StageSummary[];
    error?: string;
    /** The failed validity rules, one line each (status invalid). */
    invalid?: string[];
    /** The deployment that served the benchmark, when it named one. */
    deployment?: string;
    /** The deployment's service job (its facts go into the run's environment). */
    serviceJob?: JobRef;
    /** How long the first stage waited for the clients allocation (queue + start-up). */
    clientsQueueWaitMs?: number;
  }): Promise<BenchmarkSummary>;
  relayTelemetry(input: BenchInput): Promise<void>;
  /** The final log copy and Loki push, and the run's final phase for the status metrics. */
  flushLogs(input: BenchInput & { outcome?: Phase }): Promise<void>;
  teardown(input: TeardownInput): Promise<{ cancelled: string[] }>;
}

/**
 * Recipe validation, run as local activities (activities/recipe-check.ts) so that the workflow
 * bundle never loads zod: the sandbox evaluates every module afresh for each workflow, and zod
 * with the recipe schemas cost ~60 ms of CPU and ~2 MB of heap per workflow (README "Scale").
 * The result is recorded in history, so a replay sees the recipe the run started with.
 */
export interface RecipeCheckActivities {
  /** The recipe with its defaults filled in, or its issues (never throws for bad input). */
  checkRecipe(input: unknown): Promise<ParseResult>;
  checkDeploymentRecipe(input: unknown): Promise<DeploymentParseResult>;
}

/** Activity names, checked against the interface: control/ finds the relay by this name. */
export const ACTIVITY = {
  pullImage: 'pullImage',
  submitService: 'submitService',
  waitForHealth: 'waitForHealth',
  checkService: 'checkService',
  attachDeployment: 'attachDeployment',
  startClients: 'startClients',
  startStage: 'startStage',
  checkClients: 'checkClients',
  finishClients: 'finishClients',
  collectMetrics: 'collectMetrics',
  releaseClients: 'releaseClients',
  writeResults: 'writeResults',
  relayTelemetry: 'relayTelemetry',
  flushLogs: 'flushLogs',
  teardown: 'teardown',
} as const satisfies { [K in keyof BenchmarkActivities]-?: K };

/** The live view: phase, stage, jobs, stages so far. */
export const statusQuery = defineQuery<BenchmarkStatus>('status');
/** Graceful stop: end the current stage now, keep what it measured, skip the rest, tear down. */
export const stopSignal = defineSignal<[reason?: string]>('stop');
/** The relay hub saw every client of stage `stageIndex` end: the stage is over (core/stage-checks.ts). */
export const clientsEndedSignal = defineSignal<[stageIndex: number]>('clientsEnded');
/** End the current stage now and go on with the next one. */
export const stopStageSignal = defineSignal('stopStage');
/** The same two requests as updates: the caller learns whether there was anything to stop. */
// The reason is always an argument (possibly undefined): the client's typing has no optional args.
export const stopUpdate = defineUpdate<StopAck, [reason: string | undefined]>('stop');
export const stopStageUpdate = defineUpdate<StopAck>('stopStage');

// --- Deployments: a service that outlives benchmarks (workflows/deployment.ts) ---

export const DEPLOYMENT_WORKFLOW_TYPE = 'deploymentWorkflow';
/** Every deployment's workflow id is `deploy-<name>`: one running deployment per name. */
export const DEPLOYMENT_ID_PREFIX = 'deploy-';
export const deploymentWorkflowId = (name: string) => `${DEPLOYMENT_ID_PREFIX}${name}`;

/** A deployment's phases in order; the last two are where it ends. */
export const DEPLOYMENT_PHASES = [
  'deploying',
  'waiting-for-health',
  'serving',
  'tearing-down',
  'down',
  'failed',
] as const;
export type DeploymentPhase = (typeof DEPLOYMENT_PHASES)[number];

export interface DeploymentStatus {
  name: string | null;
  /** Its jobs' owner id (job names, job folders): `deploy-<name>-<run>`. */
  ownerId: string;
  phase: DeploymentPhase;
  phases: { phase: DeploymentPhase; atMs: number }[];
  serviceKind: string | null;
  executor: string | null;
  /** host:port, from healthy until down. */
  endpoint: string | null;
  job: JobRef | null;
  startedAtMs: number;
  /** When the ttl tears it down (epoch ms). */
  expiresAtMs: number | null;
  /** Benchmarks that attached, oldest first (the newest MAX_RECORDED_BENCHMARKS). */
  benchmarks: string[];
  /** Why it went (or is going) down: `down requested`, `ttl expired`, ... */
  downReason: string | null;
  error: string | null;
}

/** What a benchmark learns when it attaches: where the service answers and what it is. */
export interface DeploymentAttachment {
  name: string;
  ownerId: string;
  endpoint: HealthyEndpoint;
  service: Service;
  target: Target;
  job: JobRef;
}

/** State a deployment carries over continue-as-new (its history stays bounded however long it serves). */
export interface DeploymentCarry {
  ownerId: string;
  startedAtMs: number;
  job: JobRef;
  endpoint: HealthyEndpoint;
  benchmarks: string[];
  phases: DeploymentStatus['phases'];
}

export const deploymentStatusQuery = defineQuery<DeploymentStatus>('status');
/** Records the benchmark and answers the endpoint; refused unless the deployment is serving. */
export const attachUpdate = defineUpdate<DeploymentAttachment, [benchmarkId: string]>('attach');
/** Tear it down now; answers the phase it was in. Refused once it is already going down. */
export const downUpdate = defineUpdate<{ phase: DeploymentPhase }, [reason: string | undefined]>('down');
export const downSignal = defineSignal<[reason?: string]>('down');
