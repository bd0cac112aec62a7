/**
 * The in-memory executor: jobs that run no process, for measuring the orchestration alone
 * (bench/orchestration.ts) and for tests of many benchmarks at once. Never a recipe's executor:
 * a worker gets it through its activity context (activities/context.ts `executor`).
 *
 * A job's state is a function of when it was submitted, the files written into it and the clock,
 * so there are no timers, and worker processes sharing a store (memory-store.ts dirStore) agree:
 * - PENDING for the kind's `queueWaitMs`, then RUNNING;
 * - a service announces the process's simulated service (memory-sim.ts) `startupMs` after it
 *   runs, and runs until cancelled;
 * - a clients job speaks the loadgen file protocol (core/jobs.ts loadgenFiles): `startupMs`
 *   after it runs and once `stage-<s>.json` is there, every client is ready; after a go, each
 *   client's result appears when the stage's warm-up + duration + cooldown have passed (or at
 *   its stop); `done` ends the job;
 * - any other job (an image pull) completes `runMs` after it runs.
 */
import { type JobRole, jobFiles, loadgenFiles, parseJobName } from '../core/jobs';
import type { LoadgenConfig } from '../core/loadgen-protocol';
import type { StageGo, StageReady } from '../core/stage-start';
import { memoryService, simulatedResult, stageEndMs } from './memory-sim';
import { type MemoryStore, mapStore } from './memory-store';
import type { Endpoint, Executor, JobRef, JobSpec, JobState, JobStatus, ReadResult } from './types';
import { TERMINAL_STATES } from './types';

export interface SimulatedTiming {
  /** PENDING this long after submission. */
  queueWaitMs: number;
  /** After it runs, until the service announces itself or the clients are ready. */
  startupMs: number;
  /** Jobs that end on their own (image pulls): how long they run. */
  runMs: number;
}

export interface MemoryExecutorOptions {
  /** Per job kind; unset fields are 0. */
  timing?: Partial<Record<JobRole['kind'], Partial<SimulatedTiming>>>;
  /** Default: a Map in this process. */
  store?: MemoryStore;
  now?: () => number;
}

const JOB_FILE = 'job.json';
const CANCELLED = 'cancelled';

interface JobRecord extends JobRef {
  submittedAtMs: number;
}

const parse = <T>(text: string | undefined): T | undefined => {
  try {
    return text ? (JSON.parse(text) as T) : undefined;
  } catch {
    return undefined;
  }
};

export class MemoryExecutor implements Executor {
  readonly kind = 'memory';
  private readonly store: MemoryStore;
  private readonly now: () => number;
  /** Job records never change once written. */
  private readonly records = new Map<string, JobRecord>();

  constructor(private readonly options: MemoryExecutorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.store = options.store ?? mapStore(this.now);
  }

  private timing(job: JobRef): SimulatedTiming {
    const kind = parseJobName(job.benchmarkId, job.name)?.kind;
    const t = kind ? this.options.timing?.[kind] : undefined;
    return { queueWaitMs: t?.queueWaitMs ?? 0, startupMs: t?.startupMs ?? 0, runMs: t?.runMs ?? 0 };
  }

  private async record(job: { benchmarkId: string; name: string }): Promise<JobRecord | undefined> {
    const key = `${job.benchmarkId}/${job.name}`;
    let record = this.records.get(key);
    if (!record) {
      record = parse<JobRecord>((await this.store.read(job.benchmarkId, job.name, JOB_FILE))?.text);
      if (record) this.records.set(key, record);
    }
    return record;
  }

  private read(job: JobRef, name: string) {
    return this.store.read(job.benchmarkId, job.name, name);
  }

  async submit(spec: JobSpec): Promise<JobRef> {
    const existing = await this.record(spec);
    if (existing) return toRef(existing);
    const record: JobRecord = {
      id: `memory-${spec.benchmarkId}-${spec.name}`,
      name: spec.name,
      benchmarkId: spec.benchmarkId,
      tasks: spec.tasks ?? 1,
      submittedAtMs: this.now(),
    };
    for (const [name, text] of Object.entries(spec.files ?? {}))
      await this.store.write(spec.benchmarkId, spec.name, name, text);
    await this.store.write(spec.benchmarkId, spec.name, JOB_FILE, JSON.stringify(record));
    return toRef(record);
  }

  /** The job's state now, and since when it runs (null while pending). */
  private async state(
    job: JobRef,
  ): Promise<{ state: JobState; runningAtMs: number | null; reason?: string }> {
    const record = await this.record(job);
    if (!record) return { state: 'UNKNOWN', runningAtMs: null, reason: 'no such job' };
    const timing = this.timing(record);
    const runningAtMs = record.submittedAtMs + timing.queueWaitMs;
    if (await this.read(record, CANCELLED)) return { state: 'CANCELLED', runningAtMs };
    if (this.now() < runningAtMs)
      return { state: 'PENDING', runningAtMs: null, reason: 'simulated queue wait' };
    const kind = parseJobName(record.benchmarkId, record.name)?.kind;
    if (kind === 'service') return { state: 'RUNNING', runningAtMs };
    if (kind === 'clients')
      return { state: (await this.read(record, loadgenFiles.done)) ? 'COMPLETED' : 'RUNNING', runningAtMs };
    return { state: this.now() >= runningAtMs + timing.runMs ? 'COMPLETED' : 'RUNNING', runningAtMs };
  }

  async status(job: JobRef): Promise<JobStatus> {
    const { state, reason } = await this.state(job);
    const exitCode = state === 'COMPLETED' ? 0 : state === 'CANCELLED' ? 143 : undefined;
    return {
      state,
      tasks: Array.from({ length: job.tasks }, (_, index) => ({
        index,
        state,
        ...(exitCode === undefined ? {} : { exitCode }),
      })),
      ...(reason ? { reason } : {}),
    };
  }

  async cancel(job: JobRef): Promise<void> {
    const { state } = await this.state(job);
    if (!TERMINAL_STATES.has(state) && state !== 'UNKNOWN')
      await this.store.write(job.benchmarkId, job.name, CANCELLED, '');
  }

  async cancelAll(benchmarkId: string): Promise<string[]> {
    const cancelled: string[] = [];
    for (const job of await this.listJobs(benchmarkId)) {
      if (TERMINAL_STATES.has((await this.state(job)).state)) continue;
      await this.cancel(job);
      cancelled.push(job.name);
    }
    return cancelled;
  }

  async listJobs(benchmarkId: string): Promise<JobRef[]> {
    const jobs: JobRef[] = [];
    for (const name of await this.store.jobs(benchmarkId)) {
      const record = await this.record({ benchmarkId, name });
      if (record) jobs.push(toRef(record));
    }
    return jobs;
  }

  async liveBenchmarks(): Promise<string[]> {
    const live: string[] = [];
    for (const benchmarkId of await this.store.benchmarks()) {
      for (const job of await this.listJobs(benchmarkId)) {
        if (!TERMINAL_STATES.has((await this.state(job)).state)) {
          live.push(benchmarkId);
          break;
        }
      }
    }
    return live;
  }

  /** A file as written, or as the simulated job would have written it by now ('' if not). */
  private async text(job: JobRef, name: string): Promise<string> {
    const stored = await this.read(job, name);
    if (stored) return stored.text;
    const { state, runningAtMs } = await this.state(job);
    if (state !== 'RUNNING' || runningAtMs === null) return '';
    const upAtMs = runningAtMs + this.timing(job).startupMs;
    const kind = parseJobName(job.benchmarkId, job.name)?.kind;
    if (kind === 'service' && name === jobFiles.endpoint && this.now() >= upAtMs) {
      const { host, port } = await memoryService();
      // Kept: the address stays the one first announced.
      await this.store.write(job.benchmarkId, job.name, name, `${host}:${port}\n`);
      return `${host}:${port}\n`;
    }
    if (kind !== 'clients') return '';
    const file = /^(ready|result)-(\d+)-(\d+)\.json$/.exec(name);
    const client = Number(file?.[3]);
    if (!file || client >= job.tasks) return '';
    const stage = Number(file[2]);
    const config = await this.read(job, loadgenFiles.stage(stage));
    if (!config) return '';
    if (file[1] === 'ready') {
      const atMs = Math.max(upAtMs, config.atMs);
      if (this.now() < atMs) return '';
      return JSON.stringify({ clientIndex: client, atMs } satisfies StageReady);
    }
    const go = parse<StageGo>((await this.read(job, loadgenFiles.go(stage)))?.text);
    const loadgen = parse<LoadgenConfig>(config.text);
    if (!go || !loadgen || !go.clients.includes(client)) return '';
    const endMs = stageEndMs(loadgen, go, (await this.read(job, loadgenFiles.stop(stage)))?.atMs);
    if (this.now() < endMs) return '';
    const result = JSON.stringify(simulatedResult(loadgen, go, client, endMs));
    await this.store.write(job.benchmarkId, job.name, name, result);
    return result;
  }

  async readFile(job: JobRef, name: string, offset = 0, maxBytes = 1 << 20): Promise<ReadResult> {
    const data = Buffer.from(await this.text(job, name)).subarray(offset, offset + maxBytes);
    return { data, nextOffset: offset + data.length };
  }

  async writeFile(job: JobRef, name: string, text: string): Promise<void> {
    if (!(await this.record(job))) throw new Error(`no job ${job.name} to write ${name} into`);
    await this.store.write(job.benchmarkId, job.name, name, text);
  }

  async tail(job: JobRef, name: string, maxBytes: number): Promise<string> {
    const data = Buffer.from(await this.text(job, name));
    return data.subarray(Math.max(0, data.length - maxBytes)).toString('utf8');
  }

  async endpoint(host: string, port: number): Promise<Endpoint> {
    const shown = host.includes(':') ? `[${host}]` : host;
    return { url: `http://${shown}:${port}`, close: async () => {} };
  }
}

function toRef(record: JobRecord): JobRef {
  return { id: record.id, name: record.name, benchmarkId: record.benchmarkId, tasks: record.tasks };
}
