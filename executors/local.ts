/**
 * The local executor: jobs are detached process groups on this machine, one folder per job.
 * All state lives in that folder (pids, exit codes, cancel marker), so a restarted worker
 * adopts running jobs instead of starting them again, and a job's outcome outlives it.
 */

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JOB_NAME_RE } from '../slurm-scripts/render';
import {
  isAlive,
  jobProcesses,
  procStat,
  signalPid,
  TASK_WRAPPER,
  type TaskRecord,
  terminateOnce,
} from './local-proc';
import type {
  Endpoint,
  Executor,
  JobRef,
  JobSpec,
  JobState,
  JobStatus,
  ReadResult,
  TaskStatus,
} from './types';
import { combineTaskStates, TERMINAL_STATES } from './types';

const FILE_NAME_RE = /^[A-Za-z0-9._-]+$/;
const CANCEL_MARKER = 'cancel-requested';
/** A job folder without pids this long after creation was interrupted mid-submit. */
const SUBMIT_GRACE_MS = 10_000;
/** How long submit waits for a started task to claim itself (bash start-up, a busy machine). */
const START_TIMEOUT_MS = 30_000;

/** Where a submit is: tests throw from `onSubmitStep` to simulate a worker dying right there. */
export type SubmitStep = 'staged' | 'published' | 'spawned';

interface JobRecord extends JobRef {
  submittedAtMs: number;
}

export interface LocalExecutorOptions {
  /** Folder holding one sub-folder per benchmark, one per job below it. */
  root: string;
  /** How long a cancelled job gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /** Test seam: called after each step of a submit. */
  onSubmitStep?: (step: SubmitStep) => void;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

export class LocalExecutor implements Executor {
  readonly kind = 'local';
  private readonly killGraceMs: number;

  constructor(private readonly options: LocalExecutorOptions) {
    this.killGraceMs = options.killGraceMs ?? 10_000;
  }

  private benchDir(benchmarkId: string): string {
    if (!JOB_NAME_RE.test(benchmarkId)) throw new Error(`unsafe benchmark id ${JSON.stringify(benchmarkId)}`);
    return join(this.options.root, benchmarkId);
  }

  private jobDir(job: { benchmarkId: string; name: string }): string {
    if (!JOB_NAME_RE.test(job.name)) throw new Error(`unsafe job name ${JSON.stringify(job.name)}`);
    return join(this.benchDir(job.benchmarkId), job.name);
  }

  /**
   * Idempotent across a crash at any instant: the folder appears complete or not at all
   * (written aside, renamed into place), and each task is started unless it claimed itself
   * already (TASK_WRAPPER): a retry starts what did not start and never runs a task twice.
   */
  async submit(spec: JobSpec): Promise<JobRef> {
    const dir = this.jobDir(spec);
    const record = (await readJson<JobRecord>(join(dir, 'job.json'))) ?? (await this.publish(spec, dir));
    this.options.onSubmitStep?.('published');
    await this.startTasks(dir, record);
    return toRef(record);
  }

  /** Writes the job folder aside and renames it into place; a folder already there wins. */
  private async publish(spec: JobSpec, dir: string): Promise<JobRecord> {
    const tasks = spec.tasks ?? 1;
    await mkdir(this.benchDir(spec.benchmarkId), { recursive: true });
    // Beside the benchmark folders (same filesystem, so rename is atomic), never listed as a job.
    const staging = join(this.options.root, '.staging', `${spec.name}-${randomUUID()}`);
    await mkdir(staging, { recursive: true });
    try {
      const record: JobRecord = {
        id: `local-${spec.benchmarkId}-${spec.name}`,
        name: spec.name,
        benchmarkId: spec.benchmarkId,
        tasks,
        submittedAtMs: Date.now(),
      };
      await writeFile(join(staging, 'job.json'), JSON.stringify(record, null, 2));
      for (const [name, text] of Object.entries(spec.files ?? {})) {
        if (!FILE_NAME_RE.test(name)) throw new Error(`bad file name ${name}`);
        await writeFile(join(staging, name), text);
      }
      for (const [name, source] of Object.entries(spec.uploads ?? {})) {
        if (!FILE_NAME_RE.test(name)) throw new Error(`bad file name ${name}`);
        await copyFile(source, join(staging, name), fsc.COPYFILE_FICLONE);
      }
      await writeFile(join(staging, 'job.sh'), spec.script, { mode: 0o755 });
      this.options.onSubmitStep?.('staged');
      try {
        await rename(staging, dir);
        return record;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      }
      const winner = await readJson<JobRecord>(join(dir, 'job.json'));
      if (!winner) throw new Error(`job folder ${dir} exists without job.json: not made by this aifb`);
      return winner;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Starts every task that has not claimed itself, and waits until each has. */
  private async startTasks(dir: string, record: JobRecord): Promise<void> {
    const spawned = new Map<number, TaskRecord>();
    for (let index = 0; index < record.tasks; index++) {
      if (await this.taskStarted(dir, index)) continue;
      spawned.set(index, this.spawnTask(dir, record, index));
    }
    if (spawned.size > 0) this.options.onSubmitStep?.('spawned');
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (const [index, wrapper] of spawned) {
      while (!(await this.taskStarted(dir, index))) {
        // A wrapper that lost the claim to another start leaves only after the winner claimed.
        if (!isAlive(wrapper) && !(await this.taskStarted(dir, index))) {
          throw new Error(`task ${index} of ${record.name} exited before it started (pid ${wrapper.pid})`);
        }
        if (Date.now() > deadline) throw new Error(`task ${index} of ${record.name} did not start`);
        await sleep(10);
      }
    }
  }

  private async taskStarted(dir: string, index: number): Promise<boolean> {
    return (await exists(join(dir, `task-${index}.json`))) || (await exists(join(dir, `exit-${index}`)));
  }

  private spawnTask(dir: string, record: JobRecord, index: number): TaskRecord {
    const child = spawn('bash', ['-c', TASK_WRAPPER], {
      cwd: dir,
      detached: true, // own process group: cancel signals the whole tree, worker death does not
      stdio: 'ignore',
      env: {
        ...process.env,
        AIFB_JOB_DIR: dir,
        AIFB_JOB_NAME: record.name,
        AIFB_JOB_ID: record.id, // what JobRef.id says (core/jobs.ts jobIdFromEnv)
        AIFB_BENCHMARK_ID: record.benchmarkId,
        AIFB_TASK_INDEX: String(index),
        AIFB_NODE: process.execPath,
        AIFB_ADVERTISE_HOST: '127.0.0.1',
        AIFB_BIND_HOST: '127.0.0.1',
      },
    });
    child.on('error', () => undefined); // reported below: no pid
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start task ${index} of ${record.name}`);
    return { pid: child.pid, startTicks: procStat(child.pid)?.startTicks ?? '' };
  }

  private async taskRecord(dir: string, index: number): Promise<TaskRecord | undefined> {
    return readJson<TaskRecord>(join(dir, `task-${index}.json`));
  }

  async status(job: JobRef): Promise<JobStatus> {
    const dir = this.jobDir(job);
    const record = await readJson<JobRecord>(join(dir, 'job.json'));
    const cancelRequested = await readFile(join(dir, CANCEL_MARKER)).then(
      () => true,
      () => false,
    );
    const tasks: TaskStatus[] = [];
    let reason: string | undefined;
    const exitOf = (index: number) => readFile(join(dir, `exit-${index}`), 'utf8').catch(() => undefined);
    for (let index = 0; index < job.tasks; index++) {
      let exitText = await exitOf(index);
      const task = exitText === undefined ? await this.taskRecord(dir, index) : undefined;
      const alive = isAlive(task);
      // The wrapper records the exit status, then exits: one that ended since the first look
      // left its status behind.
      if (exitText === undefined && !alive) exitText = await exitOf(index);
      if (exitText !== undefined) {
        const exitCode = Number.parseInt(exitText, 10);
        const state: JobState = exitCode === 0 ? 'COMPLETED' : cancelRequested ? 'CANCELLED' : 'FAILED';
        tasks.push({ index, state, exitCode });
        if (state === 'FAILED') reason ??= `task ${index} exited with status ${exitCode}`;
        continue;
      }
      if (alive) {
        tasks.push({ index, state: 'RUNNING' });
      } else if (cancelRequested) {
        tasks.push({ index, state: 'CANCELLED' });
      } else if (!task && record && Date.now() - record.submittedAtMs < SUBMIT_GRACE_MS) {
        tasks.push({ index, state: 'PENDING' });
      } else {
        tasks.push({ index, state: 'FAILED' });
        reason ??= task
          ? `task ${index} (pid ${task.pid}) disappeared without an exit status`
          : `task ${index} was never started (submission interrupted)`;
      }
    }
    const state = combineTaskStates(tasks);
    return reason && state === 'FAILED' ? { state, tasks, reason } : { state, tasks };
  }

  async cancel(job: JobRef): Promise<void> {
    const dir = this.jobDir(job);
    await writeFile(join(dir, CANCEL_MARKER), new Date().toISOString()).catch(() => undefined);
    // Graceful first: one SIGTERM to every process of the job (a second one aborts some servers).
    const groups: number[] = [];
    for (let index = 0; index < job.tasks; index++) {
      const task = await this.taskRecord(dir, index);
      if (task && isAlive(task)) groups.push(task.pid);
    }
    await terminateOnce(dir, groups);
    const deadline = Date.now() + this.killGraceMs;
    while ((await jobProcesses(dir)).length > 0 && Date.now() < deadline) await sleep(50);
    // Then anything still carrying this job's folder in its environment, even if it left the group.
    for (let round = 0; round < 100; round++) {
      const left = await jobProcesses(dir);
      if (left.length === 0) return;
      for (const pid of left) signalPid(pid, 'SIGKILL');
      await sleep(20);
    }
    throw new Error(`processes of job ${job.name} survive SIGKILL: ${(await jobProcesses(dir)).join(', ')}`);
  }

  async listJobs(benchmarkId: string): Promise<JobRef[]> {
    const base = this.benchDir(benchmarkId);
    const names = await readdir(base).catch(() => [] as string[]);
    const jobs: JobRef[] = [];
    for (const name of names.sort()) {
      const record = await readJson<JobRecord>(join(base, name, 'job.json'));
      if (record) jobs.push(toRef(record));
    }
    return jobs;
  }

  async liveBenchmarks(): Promise<string[]> {
    const live: string[] = [];
    const entries = await readdir(this.options.root).catch(() => [] as string[]);
    // Benchmark folders only: not the staging area of submissions in progress.
    for (const benchmarkId of entries.filter((name) => JOB_NAME_RE.test(name)).sort()) {
      for (const job of await this.listJobs(benchmarkId)) {
        if (!TERMINAL_STATES.has((await this.status(job)).state)) {
          live.push(benchmarkId);
          break;
        }
      }
    }
    return live;
  }

  async cancelAll(benchmarkId: string): Promise<string[]> {
    const cancelled: string[] = [];
    await Promise.all(
      (await this.listJobs(benchmarkId)).map(async (job) => {
        const { state } = await this.status(job);
        if (TERMINAL_STATES.has(state)) {
          // Finished, but a daemonised child may have outlived the script: no leftovers either.
          const stragglers = await jobProcesses(this.jobDir(job));
          for (const pid of stragglers) signalPid(pid, 'SIGKILL');
          if (stragglers.length > 0) cancelled.push(job.name);
          return;
        }
        await this.cancel(job);
        cancelled.push(job.name);
      }),
    );
    return cancelled.sort();
  }

  async readFile(job: JobRef, name: string, offset = 0, maxBytes = 1 << 20): Promise<ReadResult> {
    if (!FILE_NAME_RE.test(name)) throw new Error(`bad file name ${name}`);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(join(this.jobDir(job), name), 'r');
    } catch {
      return { data: Buffer.alloc(0), nextOffset: offset };
    }
    try {
      const buffer = Buffer.alloc(maxBytes);
      const { bytesRead } = await handle.read(buffer, 0, maxBytes, offset);
      return { data: buffer.subarray(0, bytesRead), nextOffset: offset + bytesRead };
    } finally {
      await handle.close();
    }
  }

  async writeFile(job: JobRef, name: string, text: string): Promise<void> {
    if (!FILE_NAME_RE.test(name)) throw new Error(`bad file name ${name}`);
    const path = join(this.jobDir(job), name);
    const tmp = `${path}.tmp-${randomUUID()}`;
    await writeFile(tmp, text);
    await rename(tmp, path);
  }

  async tail(job: JobRef, name: string, maxBytes: number): Promise<string> {
    if (!FILE_NAME_RE.test(name)) throw new Error(`bad file name ${name}`);
    const size = await stat(join(this.jobDir(job), name)).then(
      (s) => s.size,
      () => 0,
    );
    const from = Math.max(0, size - maxBytes);
    return (await this.readFile(job, name, from, size - from)).data.toString('utf8');
  }

  async endpoint(host: string, port: number): Promise<Endpoint> {
    const shown = host.includes(':') ? `[${host}]` : host;
    return { url: `http://${shown}:${port}`, close: async () => {} };
  }
}

function toRef(record: JobRecord): JobRef {
  return { id: record.id, name: record.name, benchmarkId: record.benchmarkId, tasks: record.tasks };
}
