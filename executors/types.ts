/**
 * The one interface between aifb and wherever jobs run. Activities only see this; nothing
 * else knows whether jobs are local processes or Slurm jobs behind SSH.
 */

import type { JobRef, JobState } from '../core/jobs';

// The job shapes are the workflow's contract (core/jobs.ts); executors speak them.
export type { JobRef, JobState } from '../core/jobs';
export { TERMINAL_STATES } from '../core/jobs';

export interface JobSpec {
  /** Unique per benchmark and step (e.g. `bench-demo-ab12cd-service`): the idempotency key. */
  name: string;
  benchmarkId: string;
  /** Rendered bash script (see slurm-scripts/). */
  script: string;
  /** Small text files written into the job folder before start (configs). */
  files?: Record<string, string>;
  /** Local files copied into the job folder before start (bundles), keyed by target name. */
  uploads?: Record<string, string>;
  /** Number of tasks (a Slurm job array); each task gets AIFB_TASK_INDEX. Default 1. */
  tasks?: number;
  /** What the job asks the scheduler for (ignored by the local executor). */
  resources?: JobResources;
  /**
   * Slurm only: this job's account, partition and qos, replacing the target's as a whole
   * (client jobs on a CPU partition). Absent: the target's.
   */
  placement?: JobPlacement;
}

export interface JobPlacement {
  account?: string;
  partition?: string;
  qos?: string;
}

export interface JobResources {
  nodes?: number;
  gpus?: number;
  cpusPerTask?: number;
  /** e.g. 16G */
  memory?: string;
  /** Slurm time limit, e.g. 01:00:00 */
  time?: string;
}

export interface TaskStatus {
  index: number;
  state: JobState;
  exitCode?: number;
}

/** A job's state from its tasks': running while any runs, failed if any failed. */
export function combineTaskStates(tasks: TaskStatus[]): JobState {
  const states = new Set(tasks.map((t) => t.state));
  for (const state of ['RUNNING', 'PENDING', 'FAILED', 'TIMEOUT', 'CANCELLED', 'UNKNOWN'] as const) {
    if (states.has(state)) return state;
  }
  return 'COMPLETED';
}

export interface JobStatus {
  /** The job's overall state: RUNNING while any task runs; FAILED if any task failed. */
  state: JobState;
  tasks: TaskStatus[];
  reason?: string;
}

export interface ReadResult {
  data: Buffer;
  /** Offset to pass next time. */
  nextOffset: number;
}

export interface Endpoint {
  /** Base URL the worker can use to reach host:port (directly, or through a tunnel). */
  url: string;
  close(): Promise<void>;
}

export interface Executor {
  readonly kind: string;
  /** Submits, or adopts a job already submitted under the same name (idempotent). */
  submit(spec: JobSpec): Promise<JobRef>;
  status(job: JobRef): Promise<JobStatus>;
  /** Asks the job to stop (SIGTERM), escalating to a kill after a grace period. */
  cancel(job: JobRef): Promise<void>;
  /** Cancels every job of a benchmark; resolves when none is left alive. Returns names cancelled. */
  cancelAll(benchmarkId: string): Promise<string[]>;
  /** Every job of a benchmark that was ever submitted (live or not). */
  listJobs(benchmarkId: string): Promise<JobRef[]>;
  /** Benchmarks that have a job queued or running now (what the orphaned-job janitor checks). */
  liveBenchmarks(): Promise<string[]>;
  /** Reads a file in the job's folder from `offset` (stdout-<i>.log, result files...). Missing = empty. */
  readFile(job: JobRef, name: string, offset?: number, maxBytes?: number): Promise<ReadResult>;
  /**
   * Writes a file into a running job's folder, atomically (a temporary file renamed into place):
   * the job sees it whole or not at all. Writing the same file again replaces it (retries).
   */
  writeFile(job: JobRef, name: string, text: string): Promise<void>;
  /** The last `maxBytes` of a file in the job's folder, as text ('' when missing). */
  tail(job: JobRef, name: string, maxBytes: number): Promise<string>;
  /** Makes host:port (as the service announced it) reachable from the worker. */
  endpoint(host: string, port: number): Promise<Endpoint>;
}

/**
 * A job file from `offset` to its current end, chunk by chunk as `readFile` hands them out
 * (the executor bounds each chunk; a file still growing is read up to where it is now).
 */
export async function* readChunks(
  executor: Executor,
  job: JobRef,
  name: string,
  offset = 0,
  maxBytes?: number,
): AsyncGenerator<{ data: Buffer; nextOffset: number }> {
  for (;;) {
    const chunk = await executor.readFile(job, name, offset, maxBytes);
    if (chunk.data.length === 0) return;
    yield chunk;
    offset = chunk.nextOffset;
  }
}
