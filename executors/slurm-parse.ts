/**
 * Reading Slurm's answers: job states, `squeue -O`, `sacct` and `sbatch --parsable`.
 * Pure, so every state and odd format is unit-tested without a cluster.
 */
import type { JobState } from './types';

/** Every Slurm job state (squeue %T / scontrol JobState) mapped to ours. */
const STATES: Record<string, JobState> = {
  PENDING: 'PENDING',
  CONFIGURING: 'PENDING',
  REQUEUED: 'PENDING',
  REQUEUE_HOLD: 'PENDING',
  REQUEUE_FED: 'PENDING',
  RESV_DEL_HOLD: 'PENDING',
  SUSPENDED: 'PENDING',
  RUNNING: 'RUNNING',
  COMPLETING: 'RUNNING',
  SIGNALING: 'RUNNING',
  STAGE_OUT: 'RUNNING',
  RESIZING: 'RUNNING',
  STOPPED: 'RUNNING',
  COMPLETED: 'COMPLETED',
  CANCELLED: 'CANCELLED',
  TIMEOUT: 'TIMEOUT',
  DEADLINE: 'TIMEOUT',
  FAILED: 'FAILED',
  NODE_FAIL: 'FAILED',
  BOOT_FAIL: 'FAILED',
  OUT_OF_MEMORY: 'FAILED',
  PREEMPTED: 'FAILED',
  SPECIAL_EXIT: 'FAILED',
  REVOKED: 'FAILED',
};

/** "CANCELLED by 0" (sacct), "COMPLETED", "pd" → our state; unknown text → UNKNOWN. */
export function mapSlurmState(text: string): JobState {
  const word = text.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
  return STATES[word] ?? 'UNKNOWN';
}

/** `sbatch --parsable` prints `<id>` or `<id>;<cluster>`. */
export function parseSbatchId(output: string): string {
  const id = output.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new Error(`sbatch did not return a job id: ${JSON.stringify(output.trim())}`);
  return id;
}

/** One job, or one task of an array job, as Slurm reports it. */
export interface SlurmTaskRow {
  /** The array job's id (or the job's own id). */
  jobId: string;
  /** Array task index; undefined for a plain job. */
  task?: number;
  slurmState: string;
  state: JobState;
}

/** `123` or `123_4` (array task); undefined for anything else, e.g. an unexpanded `123_[4-7]`. */
function splitJobId(id: string): { jobId: string; task?: number } | undefined {
  const match = /^(\d+)(?:_(\d+))?$/.exec(id);
  if (!match) return undefined;
  return match[2] !== undefined ? { jobId: match[1]!, task: Number(match[2]) } : { jobId: match[1]! };
}

export interface SqueueRow extends SlurmTaskRow {
  name: string;
  reason: string;
}

export interface SacctRow extends SlurmTaskRow {
  exitCode?: number;
}

/** `sacct -n -P -X -j ID -o JobID,State,ExitCode`: e.g. `123_1|CANCELLED by 0|0:15`. */
export const SACCT_FIELDS = 'JobID,State,ExitCode';

export function parseSacct(output: string): SacctRow[] {
  const rows: SacctRow[] = [];
  for (const line of output.split('\n')) {
    const [id = '', slurmState = '', exit = ''] = line.trim().split('|');
    const ids = splitJobId(id);
    if (!ids) continue;
    const code = Number.parseInt(exit.split(':')[0] ?? '', 10);
    rows.push({
      ...ids,
      slurmState,
      state: mapSlurmState(slurmState),
      ...(Number.isFinite(code) ? { exitCode: code } : {}),
    });
  }
  return rows;
}

/**
 * The fields of the shared queue poll (`squeue --me -h -r -t all -O ...`, executors/slurm-poll.ts):
 * one line per job or array task, in every state slurmctld still knows (ended ones until
 * MinJobAge), with the raw wait status of ended ones, so no `scontrol show job` per job is needed.
 * The name comes last: a name of the user's other jobs may hold the separator.
 */
export const QUEUE_FIELDS = 'ArrayJobID:|,ArrayTaskID:|,State:|,exit_code:|,Reason:|,Name:|';

export interface QueueRow extends SqueueRow {
  /** Exit status of the batch script (ended jobs only); a signal shows in `signal`. */
  exitCode?: number;
  signal?: number;
}

/** Lines of QUEUE_FIELDS: `1032|0|FAILED|768|NonZeroExitCode|bench-x-clients|` (768 = exit 3). */
export function parseQueue(output: string): QueueRow[] {
  const rows: QueueRow[] = [];
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    const [jobId = '', task = '', slurmState = '', status = '', reason = '', ...name] = line
      .trim()
      .split('|');
    if (!/^\d+$/.test(jobId)) continue;
    // N/A for a plain job; a range (`4-7`) only for an unexpanded array, which -r does not print.
    if (task !== 'N/A' && !/^\d+$/.test(task)) continue;
    const state = mapSlurmState(slurmState);
    const wait = Number.parseInt(status, 10);
    const ended = state !== 'PENDING' && state !== 'RUNNING' && Number.isFinite(wait);
    rows.push({
      jobId,
      ...(task !== 'N/A' ? { task: Number(task) } : {}),
      name: (name.at(-1) === '' ? name.slice(0, -1) : name).join('|'),
      slurmState,
      state,
      reason,
      // A wait(2) status: exit code in bits 8-15, terminating signal in bits 0-6.
      ...(ended ? { exitCode: (wait >> 8) & 0xff } : {}),
      ...(ended && (wait & 0x7f) > 0 ? { signal: wait & 0x7f } : {}),
    });
  }
  return rows;
}
