/**
 * One queue poll per login connection, shared by every benchmark on the worker. Status checks
 * (health waits, start barriers, client checks, the janitor, teardown) ask the poller instead of
 * running their own squeue: a request joins the next round, one round runs at most every
 * `intervalMs` (default 1 s), and each round costs one `squeue` for all of them plus one `sacct`
 * for the jobs squeue no longer lists. The scheduling and the reading of a round are pure here;
 * the commands themselves are run by the executor (executors/slurm.ts).
 */
import type { JobRef, JobState } from '../core/jobs';
import { TERMINAL_STATES } from '../core/jobs';
import type { QueueRow, SacctRow } from './slurm-parse';

/** The default spacing of queue polls on one connection. */
export const POLL_INTERVAL_MS = 1000;

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
}

const realTimers: Timers = { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms) };

/**
 * Batches requests into rounds: a request made while no round is pending starts one as soon as
 * `intervalMs` has passed since the last round started; every request made before a round starts
 * joins it and gets its answer. A request made while a round runs waits for the next one (its
 * caller may have acted since the running round asked, e.g. just called scancel).
 */
export class Coalescer<Req, Res> {
  private waiting: { req: Req; resolve(res: Res): void; reject(err: unknown): void }[] = [];
  private scheduled = false;
  private running = false;
  private lastStartMs = Number.NEGATIVE_INFINITY;
  /** Rounds run so far (for tests and metrics). */
  rounds = 0;

  constructor(
    private readonly fetch: (requests: Req[]) => Promise<Res>,
    private readonly intervalMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  ask(req: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.waiting.push({ req, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.waiting.length === 0) return;
    this.scheduled = true;
    // Even at no delay a timer, not a direct call: requests made in the same tick join the round.
    const delay = Math.max(0, this.lastStartMs + this.intervalMs - this.timers.now());
    this.timers.setTimeout(() => {
      this.scheduled = false;
      void this.round();
    }, delay);
  }

  private async round(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    this.running = true;
    this.lastStartMs = this.timers.now();
    this.rounds++;
    try {
      const res = await this.fetch(batch.map((w) => w.req));
      for (const w of batch) w.resolve(res);
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}

/** What a status request asks: a job and how many tasks it should have. */
export interface QueueRequest {
  jobId: string;
  tasks: number;
}

/** One round's answer, shared by every request of the round. */
export interface QueueView {
  /** Every job of the login user that slurmctld still knows, in any state. */
  rows: QueueRow[];
  /** squeue's own failure (exit status and stderr), when it failed: rows are then empty. */
  queueError?: string;
  /** sacct rows of the jobs asked about that the queue no longer (fully) lists. */
  accounted: SacctRow[];
  /** Why sacct could not tell (accounting off...), when it was asked and could not. */
  accountingError?: string;
}

/** The job ids sacct must be asked about: asked for, numeric, and with tasks missing from the queue. */
export function missingFromQueue(requests: readonly QueueRequest[], rows: readonly QueueRow[]): string[] {
  const seen = new Map<string, number>();
  for (const row of rows) seen.set(row.jobId, (seen.get(row.jobId) ?? 0) + 1);
  const missing = new Set<string>();
  for (const r of requests) {
    if (/^\d+$/.test(r.jobId) && (seen.get(r.jobId) ?? 0) < r.tasks) missing.add(r.jobId);
  }
  return [...missing].sort((a, b) => Number(a) - Number(b));
}

export interface TaskInfo {
  index: number;
  state: JobState;
  exitCode?: number;
  reason?: string;
}

/** A job's tasks as the round saw them (the queue first, then accounting); absent ones are UNKNOWN. */
export function jobTasks(
  job: Pick<JobRef, 'id' | 'tasks'>,
  view: QueueView,
): {
  tasks: TaskInfo[];
  known: Map<number, TaskInfo>;
  /** Why nothing could be said about tasks that are UNKNOWN. */
  unknownWhy?: string;
} {
  const known = new Map<number, TaskInfo>();
  for (const row of view.rows) {
    if (row.jobId !== job.id) continue;
    const index = row.task ?? 0;
    known.set(index, {
      index,
      state: row.state,
      ...(row.exitCode !== undefined && TERMINAL_STATES.has(row.state) ? { exitCode: row.exitCode } : {}),
      reason: row.reason,
    });
  }
  for (const row of view.accounted) {
    const index = row.task ?? 0;
    if (row.jobId !== job.id || known.has(index)) continue;
    known.set(index, {
      index,
      state: row.state,
      ...(row.exitCode !== undefined ? { exitCode: row.exitCode } : {}),
    });
  }
  const tasks: TaskInfo[] = [];
  for (let index = 0; index < job.tasks; index++) {
    const t = known.get(index);
    tasks.push(
      t
        ? { index, state: t.state, ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}) }
        : { index, state: 'UNKNOWN' },
    );
  }
  const unknownWhy =
    known.size >= job.tasks
      ? undefined
      : view.queueError
        ? `squeue failed: ${view.queueError}`
        : view.accountingError
          ? `Slurm no longer knows job ${job.id} and sacct cannot tell (${view.accountingError})`
          : undefined;
  return unknownWhy ? { tasks, known, unknownWhy } : { tasks, known };
}

const SLURM_COMMANDS = new Set(['sbatch', 'squeue', 'sacct', 'scancel', 'scontrol']);

/** The metrics label of a command line: the Slurm command it runs, else `shell` (mkdir, cat...). */
export function commandLabel(command: string): string {
  const first = /^'?([a-z]+)/.exec(command.trim())?.[1] ?? '';
  return SLURM_COMMANDS.has(first) ? first : 'shell';
}
