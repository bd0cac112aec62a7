/**
 * The Slurm executor: a login node over SSH (ssh2). sbatch/squeue/scontrol/scancel for jobs,
 * SFTP for files, forwardOut tunnels to reach a compute node's port from the worker.
 * Job folders live under the target's workdir on the cluster's shared filesystem.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../core/duration';
import { benchmarkOfJobName, TERMINAL_STATES } from '../core/jobs';
import { shellQuote } from '../core/shell';
import { JOB_NAME_RE } from '../slurm-scripts/render';
import { selfMetrics } from '../telemetry/self-metrics';
import { START_MARKER, submittedJobId, withStartMarker } from './slurm-adopt';
import {
  type SbatchInput,
  type SlurmPlacement,
  sbatchCommand,
  sbatchFlags,
  withSbatchHeader,
} from './slurm-args';
import { withModules } from './slurm-modules';
import {
  parseQueue,
  parseSacct,
  parseSbatchId,
  QUEUE_FIELDS,
  type QueueRow,
  SACCT_FIELDS,
} from './slurm-parse';
import {
  Coalescer,
  commandLabel,
  jobTasks,
  missingFromQueue,
  POLL_INTERVAL_MS,
  type QueueRequest,
  type QueueView,
} from './slurm-poll';
import { uploadFile } from './slurm-upload';
import { type SshConnection, SshConnectionError } from './ssh';
import {
  combineTaskStates,
  type Endpoint,
  type Executor,
  type JobRef,
  type JobSpec,
  type JobStatus,
  type ReadResult,
} from './types';

const FILE_NAME_RE = /^[A-Za-z0-9._-]+$/;

export interface SlurmExecutorOptions extends SlurmPlacement {
  /** Job folders go below this (absolute, or ~/ for the login user's home). */
  workdir: string;
  /** `module load` these before every job (site runtime for Node.js, Apptainer...). */
  modules: string[];
  /** Node.js on the compute nodes, for runtime `node` (jobs get it as AIFB_NODE); none for `sea`. */
  node?: string;
  /** Tests only: more variables exported into every job (e.g. a PATH whose `node` fails). */
  jobEnv?: Record<string, string>;
  /** A job pending longer than this is cancelled, with Slurm's pending reason. */
  maxPendingMs: number;
  /** Consecutive SSH failures tolerated (with backoff) before an operation gives up. */
  transientBudget?: number;
  /**
   * Spacing of the shared queue poll (default 1 s). One poller per SSH connection: the first
   * executor on a connection sets it for all.
   */
  pollIntervalMs?: number;
}

/** The queue poller of each connection: executors of targets on one login (user@host) share it. */
const pollers = new WeakMap<SshConnection, Coalescer<QueueRequest, QueueView>>();

interface JobRecord extends JobRef {
  submittedAtMs: number;
  dir: string;
}

export class SlurmExecutor implements Executor {
  readonly kind = 'slurm';
  private root: Promise<string> | undefined;
  private readonly poller: Coalescer<QueueRequest, QueueView>;

  constructor(
    private readonly ssh: SshConnection,
    private readonly options: SlurmExecutorOptions,
  ) {
    let poller = pollers.get(ssh);
    if (!poller) {
      poller = new Coalescer(
        (requests) => this.pollQueue(requests),
        options.pollIntervalMs ?? POLL_INTERVAL_MS,
      );
      pollers.set(ssh, poller);
    }
    this.poller = poller;
  }

  /** Runs a command, retrying connection failures (not command failures) within the budget. */
  private async run(
    command: string,
    timeoutMs = 60_000,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const budget = this.options.transientBudget ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        selfMetrics.slurmCommands.inc({ command: commandLabel(command) });
        return await this.ssh.exec(command, timeoutMs);
      } catch (err) {
        if (!(err instanceof SshConnectionError) || attempt >= budget) throw err;
        await sleep(Math.min(10_000, 250 * 2 ** attempt));
      }
    }
  }

  private async check(command: string, what: string): Promise<string> {
    const result = await this.run(command);
    if (result.code !== 0) {
      throw new Error(
        `${what} failed (exit ${result.code}): ${(result.stderr || result.stdout).trim().slice(0, 2000)}`,
      );
    }
    return result.stdout;
  }

  private rootDir(): Promise<string> {
    this.root ??= (async () => {
      const { workdir } = this.options;
      if (!workdir.startsWith('~/')) return workdir.replace(/\/+$/, '');
      const home = (await this.check('printf %s "$HOME"', 'reading $HOME')).trim();
      return `${home}/${workdir.slice(2)}`.replace(/\/+$/, '');
    })();
    this.root.catch(() => {
      this.root = undefined;
    });
    return this.root;
  }

  private async jobDir(job: { benchmarkId: string; name: string }): Promise<string> {
    if (!JOB_NAME_RE.test(job.benchmarkId) || !JOB_NAME_RE.test(job.name)) {
      throw new Error(`unsafe job name ${JSON.stringify(job.name)}`);
    }
    return `${await this.rootDir()}/${job.benchmarkId}/${job.name}`;
  }

  /** A job an interrupted submit gave to Slurm without recording it (executors/slurm-adopt.ts). */
  private async submittedEarlier(name: string, dir: string): Promise<string | undefined> {
    const queued = (await this.queue()).filter((r) => r.name === name);
    const marker = (await this.ssh.read(`${dir}/${START_MARKER}`, 0, 256)).toString();
    const found = submittedJobId({ name, queued, marker, accounted: [] });
    if (found) return found;
    // Accounting, when on, also knows jobs that never started and left the queue long ago.
    const acct = await this.run(
      `sacct -n -P -X --name=${shellQuote(name)} --starttime=now-30days -o ${SACCT_FIELDS}`,
    );
    return acct.code === 0
      ? submittedJobId({ name, queued: [], marker: '', accounted: parseSacct(acct.stdout) })
      : undefined;
  }

  private async record(job: { benchmarkId: string; name: string }): Promise<JobRecord | undefined> {
    const text = (await this.ssh.read(`${await this.jobDir(job)}/job.json`, 0, 1 << 16)).toString();
    try {
      return JSON.parse(text) as JobRecord;
    } catch {
      return undefined;
    }
  }

  /** Writes the job's record (job.json): what a later submit adopts and listJobs finds. */
  private async remember(spec: JobSpec, dir: string, id: string, tasks: number): Promise<JobRef> {
    const record: JobRecord = {
      id,
      name: spec.name,
      benchmarkId: spec.benchmarkId,
      tasks,
      submittedAtMs: Date.now(),
      dir,
    };
    await this.ssh.writeFile(`${dir}/job.json`, JSON.stringify(record));
    return toRef(record);
  }

  async submit(spec: JobSpec): Promise<JobRef> {
    const tasks = spec.tasks ?? 1;
    // Idempotent: a job already submitted under this name (recorded, or known to Slurm or its
    // folder because a crash came between sbatch and the record) is adopted.
    const recorded = await this.record(spec);
    if (recorded) return toRef(recorded);
    const dir = await this.jobDir(spec);
    const earlier = await this.submittedEarlier(spec.name, dir);
    if (earlier) return this.remember(spec, dir, earlier, tasks);
    await this.check(`mkdir -p ${shellQuote(dir)}`, 'creating the job folder');
    for (const [name, text] of Object.entries(spec.files ?? {})) {
      if (!FILE_NAME_RE.test(name)) throw new Error(`bad file name ${name}`);
      await this.ssh.writeFile(`${dir}/${name}`, text);
    }
    for (const [name, source] of Object.entries(spec.uploads ?? {})) {
      if (!FILE_NAME_RE.test(name)) throw new Error(`bad file name ${name}`);
      await uploadFile(
        this.ssh,
        (c, what) => this.check(c, what),
        await this.rootDir(),
        source,
        `${dir}/${name}`,
      );
    }
    const input: SbatchInput = {
      jobName: spec.name,
      dir,
      tasks,
      placement: spec.placement ?? this.options,
      ...(spec.resources ? { resources: spec.resources } : {}),
      env: {
        ...this.options.jobEnv,
        AIFB_JOB_DIR: dir,
        AIFB_JOB_NAME: spec.name,
        AIFB_BENCHMARK_ID: spec.benchmarkId,
        ...(this.options.node ? { AIFB_NODE: this.options.node } : {}),
      },
    };
    const script = withStartMarker(
      withModules(withSbatchHeader(spec.script, sbatchFlags(input)), this.options.modules),
    );
    await this.ssh.writeFile(`${dir}/job.sh`, script, 0o755);
    const id = parseSbatchId(await this.check(sbatchCommand(input), 'sbatch'));
    return this.remember(spec, dir, id, tasks);
  }

  /**
   * One round of the shared poll: one squeue for every job of the login user, then one sacct for
   * the jobs asked about that the queue no longer lists in full (ended longer than MinJobAge ago).
   */
  private async pollQueue(requests: QueueRequest[]): Promise<QueueView> {
    const queued = await this.run(`squeue --me -h -r -t all -O ${shellQuote(QUEUE_FIELDS)}`);
    if (queued.code !== 0) {
      const why = `exit ${queued.code}: ${(queued.stderr || queued.stdout).trim().slice(0, 500)}`;
      return { rows: [], queueError: why, accounted: [] };
    }
    const rows = parseQueue(queued.stdout);
    const missing = missingFromQueue(requests, rows);
    if (missing.length === 0) return { rows, accounted: [] };
    const acct = await this.run(`sacct -n -P -X -j ${shellQuote(missing.join(','))} -o ${SACCT_FIELDS}`);
    return acct.code === 0
      ? { rows, accounted: parseSacct(acct.stdout) }
      : { rows, accounted: [], accountingError: (acct.stderr || acct.stdout).trim() };
  }

  /** The login user's whole queue (every state slurmctld still knows), from the shared poll. */
  private async queue(): Promise<QueueRow[]> {
    const view = await this.poller.ask({ jobId: '', tasks: 0 });
    if (view.queueError) throw new Error(`squeue failed (${view.queueError})`);
    return view.rows;
  }

  async status(job: JobRef): Promise<JobStatus> {
    const {
      tasks: list,
      known: tasks,
      unknownWhy: forgotten,
    } = jobTasks(job, await this.poller.ask({ jobId: job.id, tasks: job.tasks }));
    const state = combineTaskStates(list);
    if (state === 'PENDING') {
      const record = await this.record(job);
      const reason = [...tasks.values()].find((t) => t.state === 'PENDING')?.reason ?? 'unknown';
      if (record && Date.now() - record.submittedAtMs > this.options.maxPendingMs) {
        await this.cancel(job);
        return {
          state: 'FAILED',
          tasks: list,
          reason: `pending for more than ${formatDuration(this.options.maxPendingMs)} (Slurm reason: ${reason}); cancelled`,
        };
      }
    }
    const failed = list.find((t) => t.state === 'FAILED' || t.state === 'TIMEOUT');
    const why = failed
      ? `task ${failed.index} ${failed.state}${failed.exitCode !== undefined ? ` with exit status ${failed.exitCode}` : ''} (Slurm reason: ${tasks.get(failed.index)?.reason ?? '?'})`
      : undefined;
    // A pending job says why it waits (Resources, Priority, JobHeldUser...): the health wait shows it.
    const pending =
      state === 'PENDING'
        ? `Slurm reason: ${[...tasks.values()].find((t) => t.state === 'PENDING')?.reason ?? 'unknown'}`
        : undefined;
    const reason = why ?? (state === 'UNKNOWN' && forgotten ? forgotten : pending);
    return reason ? { state, tasks: list, reason } : { state, tasks: list };
  }

  async cancel(job: JobRef): Promise<void> {
    await this.run(`scancel ${shellQuote(job.id)}`);
    await this.waitGone((rows) => rows.some((r) => r.jobId === job.id));
  }

  /** Polls the queue until `alive(rows)` is false for its live rows (jobs leave after KillWait). */
  private async waitGone(alive: (rows: QueueRow[]) => boolean, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // The shared poll spaces these out itself; the sleep only guards a zero interval.
      if (!alive(live(await this.queue()))) return;
      if (Date.now() > deadline) throw new Error('jobs still in the queue after scancel');
      await sleep(100);
    }
  }

  async liveBenchmarks(): Promise<string[]> {
    // Only this user's jobs (--me: the login node's other users are none of ours to judge).
    const ids = live(await this.queue()).map((r) => benchmarkOfJobName(r.name));
    return [...new Set(ids.filter((id): id is string => id !== null))].sort();
  }

  async cancelAll(benchmarkId: string): Promise<string[]> {
    const prefix = `${benchmarkId}-`;
    const ours = (rows: QueueRow[]) => rows.filter((r) => r.name.startsWith(prefix));
    // By id for what we recorded, and by name prefix for anything submitted but not yet recorded.
    const recorded = (await this.listJobs(benchmarkId)).map((j) => j.id);
    const queued = ours(live(await this.queue()));
    const ids = [...new Set([...recorded, ...queued.map((r) => r.jobId)])];
    if (ids.length > 0) await this.run(`scancel ${ids.map(shellQuote).join(' ')}`);
    await this.waitGone((rows) => ours(rows).length > 0);
    return [...new Set(queued.map((r) => r.name))].sort();
  }

  async listJobs(benchmarkId: string): Promise<JobRef[]> {
    const base = (await this.jobDir({ benchmarkId, name: 'x' })).replace(/\/x$/, '');
    const out = await this.run(`cat ${shellQuote(base)}/*/job.json 2>/dev/null | tr '}' '\\n'`);
    const jobs: JobRef[] = [];
    for (const piece of out.stdout.split('\n')) {
      if (!piece.trim()) continue;
      try {
        jobs.push(toRef(JSON.parse(`${piece}}`) as JobRecord));
      } catch {
        // a record being written right now
      }
    }
    return jobs.sort((a, b) => a.name.localeCompare(b.name));
  }

  async readFile(job: JobRef, name: string, offset = 0, maxBytes = 1 << 20): Promise<ReadResult> {
    if (!FILE_NAME_RE.test(name)) throw new Error(`bad file name ${name}`);
    const data = await this.ssh.read(`${await this.jobDir(job)}/${name}`, offset, maxBytes);
    return { data, nextOffset: offset + data.length };
  }

  async writeFile(job: JobRef, name: string, text: string): Promise<void> {
    if (!FILE_NAME_RE.test(name)) throw new Error(`bad file name ${name}`);
    const path = `${await this.jobDir(job)}/${name}`;
    // A fixed temporary name: a retried write overwrites a half-written one; mv is the commit.
    const tmp = `${path}.tmp`;
    await this.ssh.writeFile(tmp, text);
    await this.check(`mv -f ${shellQuote(tmp)} ${shellQuote(path)}`, `writing ${name}`);
  }

  async tail(job: JobRef, name: string, maxBytes: number): Promise<string> {
    if (!FILE_NAME_RE.test(name)) throw new Error(`bad file name ${name}`);
    const path = `${await this.jobDir(job)}/${name}`;
    const size = await this.ssh.size(path);
    const from = Math.max(0, size - maxBytes);
    return (await this.ssh.read(path, from, size - from)).toString('utf8');
  }

  async endpoint(host: string, port: number): Promise<Endpoint> {
    return this.ssh.tunnel(host, port);
  }

  /** Closes the SSH connection (and its tunnels) when the worker stops; a later call reconnects. */
  close(): Promise<void> {
    return this.ssh.close();
  }
}

/** Rows of jobs not yet ended (what plain `squeue` lists). */
function live(rows: QueueRow[]): QueueRow[] {
  return rows.filter((r) => !TERMINAL_STATES.has(r.state));
}

function toRef(record: JobRecord): JobRef {
  return { id: record.id, name: record.name, benchmarkId: record.benchmarkId, tasks: record.tasks };
}
