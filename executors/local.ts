/**
 * The local executor: jobs are detached process groups on this machine, one folder per job.
 * All state lives in that folder (pids, exit codes, cancel marker), so a restarted worker
 * adopts running jobs instead of starting them again, and a job's outcome outlives it.
 */
import { spawn } from 'node:child_process';
import { constants as fsc, readFileSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../core/node/files';
import { JOB_NAME_RE } from '../slurm-scripts/render';
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

// Runs one task: the job script with its output captured, then its exit status recorded
// atomically. SIGTERM is forwarded so the job can shut down; the exit file is written after.
const TASK_WRAPPER = `
bash ./job.sh > "stdout-$AIFB_TASK_INDEX.log" 2> "stderr-$AIFB_TASK_INDEX.log" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
wait "$child"; rc=$?
while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done
echo "$rc" > "exit-$AIFB_TASK_INDEX.tmp" && mv "exit-$AIFB_TASK_INDEX.tmp" "exit-$AIFB_TASK_INDEX"
`;

const FILE_NAME_RE = /^[A-Za-z0-9._-]+$/;
const CANCEL_MARKER = 'cancel-requested';
/** A job folder without pids this long after creation was interrupted mid-submit. */
const SUBMIT_GRACE_MS = 10_000;

interface TaskRecord {
  pid: number;
  /** /proc/<pid>/stat start time: guards against pid reuse. */
  startTicks: string;
}

interface JobRecord extends JobRef {
  submittedAtMs: number;
}

export interface LocalExecutorOptions {
  /** Folder holding one sub-folder per benchmark, one per job below it. */
  root: string;
  /** How long a cancelled job gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

function procStat(pid: number): { state: string; startTicks: string } | undefined {
  try {
    // Fields after the parenthesised command name; the name itself may contain spaces.
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', startTicks: rest[19] ?? '' };
  } catch {
    return undefined;
  }
}

function isAlive(task: TaskRecord | undefined): boolean {
  if (!task) return false;
  const stat = procStat(task.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTicks === task.startTicks;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

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

  async submit(spec: JobSpec): Promise<JobRef> {
    const dir = this.jobDir(spec);
    const tasks = spec.tasks ?? 1;
    await mkdir(this.benchDir(spec.benchmarkId), { recursive: true });
    try {
      // mkdir is atomic: whoever creates the folder owns the submission; everyone else adopts.
      await mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return this.adopt(spec, dir, tasks);
    }
    const record: JobRecord = {
      id: `local-${spec.benchmarkId}-${spec.name}`,
      name: spec.name,
      benchmarkId: spec.benchmarkId,
      tasks,
      submittedAtMs: Date.now(),
    };
    await writeFileAtomic(join(dir, 'job.json'), JSON.stringify(record, null, 2));
    for (const [name, text] of Object.entries(spec.files ?? {})) {
      if (!FILE_NAME_RE.test(name)) throw new Error(`bad file name ${name}`);
      await writeFile(join(dir, name), text);
    }
    for (const [name, source] of Object.entries(spec.uploads ?? {})) {
      if (!FILE_NAME_RE.test(name)) throw new Error(`bad file name ${name}`);
      await copyFile(source, join(dir, name), fsc.COPYFILE_FICLONE);
    }
    await writeFile(join(dir, 'job.sh'), spec.script, { mode: 0o755 });
    for (let index = 0; index < tasks; index++) {
      const child = spawn('bash', ['-c', TASK_WRAPPER], {
        cwd: dir,
        detached: true, // own process group: cancel kills the whole tree, worker death does not
        stdio: 'ignore',
        env: {
          ...process.env,
          AIFB_JOB_DIR: dir,
          AIFB_JOB_NAME: spec.name,
          AIFB_BENCHMARK_ID: spec.benchmarkId,
          AIFB_TASK_INDEX: String(index),
          AIFB_NODE: process.execPath,
          AIFB_ADVERTISE_HOST: '127.0.0.1',
          AIFB_BIND_HOST: '127.0.0.1',
        },
      });
      const pid = child.pid;
      child.unref();
      if (pid === undefined) throw new Error(`could not start task ${index} of ${spec.name}`);
      const startTicks = procStat(pid)?.startTicks ?? '';
      await writeFileAtomic(join(dir, `task-${index}.json`), JSON.stringify({ pid, startTicks }));
    }
    return toRef(record);
  }

  private async adopt(spec: JobSpec, dir: string, tasks: number): Promise<JobRef> {
    for (let i = 0; i < 50; i++) {
      const record = await readJson<JobRecord>(join(dir, 'job.json'));
      if (record) return toRef(record);
      await sleep(100); // a concurrent submit is between mkdir and writing job.json
    }
    return {
      id: `local-${spec.benchmarkId}-${spec.name}`,
      name: spec.name,
      benchmarkId: spec.benchmarkId,
      tasks,
    };
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
    for (let index = 0; index < job.tasks; index++) {
      const exitText = await readFile(join(dir, `exit-${index}`), 'utf8').catch(() => undefined);
      if (exitText !== undefined) {
        const exitCode = Number.parseInt(exitText, 10);
        const state: JobState = exitCode === 0 ? 'COMPLETED' : cancelRequested ? 'CANCELLED' : 'FAILED';
        tasks.push({ index, state, exitCode });
        if (state === 'FAILED') reason ??= `task ${index} exited with status ${exitCode}`;
        continue;
      }
      const task = await this.taskRecord(dir, index);
      if (isAlive(task)) {
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
    // Graceful first: SIGTERM to each task's process group lets the job script shut the service down.
    for (let index = 0; index < job.tasks; index++) {
      const task = await this.taskRecord(dir, index);
      if (task && isAlive(task)) signalGroup(task.pid, 'SIGTERM');
    }
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
    for (const benchmarkId of (await readdir(this.options.root).catch(() => [] as string[])).sort()) {
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

/** Live processes started for the job folder `dir` (found by the AIFB_JOB_DIR we put in their environment). */
async function jobProcesses(dir: string): Promise<number[]> {
  const marker = `AIFB_JOB_DIR=${dir}\0`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = await readFile(`/proc/${entry}/environ`, 'latin1');
      if (!`\0${environ}`.includes(`\0${marker}`)) continue;
      if (procStat(pid)?.state === 'Z') continue;
      pids.push(pid);
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
