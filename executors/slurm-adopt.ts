/**
 * Finding a job that an earlier, interrupted submit already gave to Slurm (sbatch ran, its id was
 * never recorded): resubmitting would run it twice. Each source covers a different age of the job.
 */
import type { SacctRow, SqueueRow } from './slurm-parse';

/** The file a job writes into its folder first thing: its (array) job id. */
export const START_MARKER = 'slurm-job-id';

/**
 * Puts the start marker right after the script's header (#! and #SBATCH lines), before module
 * loads or anything else can fail. Only Slurm's own variables and the executor's AIFB_JOB_DIR.
 */
export function withStartMarker(script: string): string {
  const lines = script.split('\n');
  let header = 0;
  while (header < lines.length && lines[header]!.startsWith('#')) header++;
  const marker = [
    `# aifb: this job was started (read by a retried submit; see executors/slurm-adopt.ts)`,
    `printf '%s\\n' "\${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}" > "$AIFB_JOB_DIR/${START_MARKER}.$SLURM_JOB_ID" &&`,
    `  mv -f "$AIFB_JOB_DIR/${START_MARKER}.$SLURM_JOB_ID" "$AIFB_JOB_DIR/${START_MARKER}"`,
  ];
  return [...lines.slice(0, header), ...marker, ...lines.slice(header)].join('\n');
}

export interface SubmittedEvidence {
  name: string;
  /** `squeue -t all --name`: pending, running, or ended within MinJobAge. */
  queued: readonly SqueueRow[];
  /** The start marker's content ('' when absent): the job ran, however long ago. */
  marker: string;
  /** `sacct --name` rows when accounting is on: anything Slurm ever ran under the name. */
  accounted: readonly SacctRow[];
}

/** The id of the job already submitted under `name`, or undefined when there is none. */
export function submittedJobId(evidence: SubmittedEvidence): string | undefined {
  const queued = evidence.queued.find((row) => row.name === evidence.name);
  if (queued) return queued.jobId;
  const marker = evidence.marker.trim();
  if (/^\d+$/.test(marker)) return marker;
  // The newest, should the name ever have been submitted more than once.
  const ids = evidence.accounted.map((row) => row.jobId).sort((a, b) => Number(b) - Number(a));
  return ids[0];
}
