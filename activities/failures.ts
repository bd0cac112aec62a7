import { ApplicationFailure } from '@temporalio/activity';
import type { RunFailureType } from '../core/failures';
import { type JobRef, jobFiles } from '../core/jobs';
import type { Executor } from '../executors/types';

/** A failure retrying cannot fix, with its type from the catalogue (core/failures.ts). */
export function permanent(type: RunFailureType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** The end of a task's stderr (and stdout when stderr is empty), for error messages. */
export async function outputTail(executor: Executor, job: JobRef, task = 0, bytes = 2000): Promise<string> {
  const stderr = (await executor.tail(job, jobFiles.stderr(task), bytes)).trim();
  const text = stderr || (await executor.tail(job, jobFiles.stdout(task), bytes)).trim();
  return text ? `\n--- last output of ${job.name} task ${task} ---\n${text}` : ' (the job wrote no output)';
}
