/**
 * The sbatch command line for a job. Flags on the command line override #SBATCH lines, so the
 * rendered scripts stay the same for every executor. Every value is shell-quoted here.
 */
import { jobFiles } from '../core/jobs';
import { shellQuote } from '../core/shell';
import type { JobPlacement, JobResources } from './types';

export type SlurmPlacement = JobPlacement;

export interface SbatchInput {
  jobName: string;
  /** The job's folder on the cluster (absolute). */
  dir: string;
  tasks: number;
  placement: SlurmPlacement;
  resources?: JobResources;
  /** Exported into the job on top of the submitting shell's environment. */
  env: Record<string, string>;
}

/** The scheduling flags of a job (everything but --parsable, --export and the script). */
export function sbatchFlags(input: SbatchInput): string[] {
  const { dir, tasks } = input;
  // --no-requeue: a job Slurm requeues after a node failure or preemption would start again
  // mid-benchmark and void its measurement; it fails instead (NODE_FAIL, PREEMPTED), and says so.
  const args = [`--job-name=${input.jobName}`, `--chdir=${dir}`, '--no-requeue'];
  // %a is the array index; a plain job writes task 0's files, like the local executor.
  const task = tasks > 1 ? '%a' : 0;
  args.push(`--output=${dir}/${jobFiles.stdout(task)}`, `--error=${dir}/${jobFiles.stderr(task)}`);
  if (tasks > 1) args.push(`--array=0-${tasks - 1}`);
  const { account, partition, qos } = input.placement;
  if (account) args.push(`--account=${account}`);
  if (partition) args.push(`--partition=${partition}`);
  if (qos) args.push(`--qos=${qos}`);
  const r = input.resources ?? {};
  if (r.nodes) args.push(`--nodes=${r.nodes}`);
  if (r.gpus) args.push(`--gpus=${r.gpus}`);
  if (r.cpusPerTask) args.push(`--cpus-per-task=${r.cpusPerTask}`);
  if (r.memory) args.push(`--mem=${r.memory}`);
  if (r.time) args.push(`--time=${r.time}`);
  return args;
}

export function sbatchCommand(input: SbatchInput): string {
  const env = Object.entries(input.env).map(([k, v]) => {
    // --export splits on commas: a comma inside a value would become a new variable.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || v.includes(','))
      throw new Error(`cannot export ${k}=${v} through sbatch`);
    return `${k}=${v}`;
  });
  const args = ['sbatch', '--parsable', ...sbatchFlags(input), `--export=${['ALL', ...env].join(',')}`];
  return [...args, `${input.dir}/job.sh`].map(shellQuote).join(' ');
}

/**
 * Replaces the script's #SBATCH lines with the job's real flags, so job.sh on the cluster says
 * what was submitted and can be resubmitted by hand. The command-line flags stay authoritative.
 */
export function withSbatchHeader(script: string, flags: readonly string[]): string {
  const lines = script.split('\n').filter((l) => !l.startsWith('#SBATCH '));
  const header = flags.map((f) => `#SBATCH ${/\s/.test(f) ? `"${f}"` : f}`);
  return [lines[0] ?? '#!/usr/bin/env bash', ...header, ...lines.slice(1)].join('\n');
}
