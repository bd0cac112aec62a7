import { ApplicationFailure } from '@temporalio/activity';
import type { Executor, JobRef } from '../executors/types';
import { jobFiles } from '../executors/types';

/** A failure retrying cannot fix; the type names are listed in workflows/benchmark.ts. */
export function permanent(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** The end of a task's stderr (and stdout when stderr is empty), for error messages. */
export async function outputTail(executor: Executor, job: JobRef, task = 0, bytes = 2000): Promise<string> {
  const stderr = (await executor.tail(job, jobFiles.stderr(task), bytes)).trim();
  const text = stderr || (await executor.tail(job, jobFiles.stdout(task), bytes)).trim();
  return text ? `\n--- last output of ${job.name} task ${task} ---\n${text}` : ' (the job wrote no output)';
}
