/**
 * Reading Slurm's answers: job states, `squeue`, `scontrol show job -o` and `sbatch --parsable`.
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

/** The squeue format these rows come from (`-r` gives one line per array task). */
export const SQUEUE_FORMAT = '%i|%j|%T|%r';

export function parseSqueue(output: string): SqueueRow[] {
  const rows: SqueueRow[] = [];
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    const [id = '', name = '', slurmState = '', ...reason] = line.trim().split('|');
    const ids = splitJobId(id);
    if (!ids) continue; // e.g. 123_[4-7] for pending ranges when -r was not given
    rows.push({
      ...ids,
      name,
      slurmState,
      state: mapSlurmState(slurmState),
      reason: reason.join('|'),
    });
  }
  return rows;
}

/** One `scontrol show job -o` line as key → value (values may contain spaces). */
export function parseScontrolLine(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  // A key starts a field where a space is followed by Key=; values run until the next key.
  const parts = line.trim().split(/ (?=[A-Za-z][A-Za-z0-9:/_]*=)/);
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return fields;
}

export interface ScontrolJob extends SlurmTaskRow {
  name: string;
  reason: string;
  /** Exit status of the batch script (first half of ExitCode=3:0); a signal shows in the second. */
  exitCode?: number;
  signal?: number;
  nodes: string;
}

export function parseScontrol(output: string): ScontrolJob[] {
  const jobs: ScontrolJob[] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('JobId=')) continue;
    const f = parseScontrolLine(line);
    const [exit, signal] = (f.ExitCode ?? '').split(':').map((n) => Number.parseInt(n, 10));
    const arrayJob = f.ArrayJobId;
    const arrayTask = f.ArrayTaskId !== undefined ? Number.parseInt(f.ArrayTaskId, 10) : Number.NaN;
    jobs.push({
      jobId: arrayJob ?? f.JobId ?? '',
      ...(Number.isFinite(arrayTask) ? { task: arrayTask } : {}),
      name: f.JobName ?? '',
      slurmState: f.JobState ?? '',
      state: mapSlurmState(f.JobState ?? ''),
      reason: f.Reason ?? '',
      ...(exit !== undefined && Number.isFinite(exit) ? { exitCode: exit } : {}),
      ...(signal !== undefined && Number.isFinite(signal) && signal > 0 ? { signal } : {}),
      nodes: f.NodeList ?? '',
    });
  }
  return jobs;
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
