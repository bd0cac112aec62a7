/** Copies jobs' stdout/stderr into data/logs/<id>/; the copy's size is the read offset. */
import { statSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { componentName, type JobRef, jobFiles, logFiles } from '../core/jobs';
import { type Executor, readChunks } from '../executors/types';

/**
 * Sync on purpose: a local stat takes microseconds, and a copy not made yet (most of them: most
 * jobs write no stderr) is then 0, not a rejected promise carrying an ENOENT's stack. The relay
 * hub asks this for every job of every running benchmark on each pass.
 */
function sizeOf(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}

/**
 * One pass over the output of `jobs`; returns the bytes copied. A restarted relay resumes from
 * what the copies hold, so it neither duplicates nor drops bytes.
 */
export async function syncLogsOnce(
  executor: Executor,
  jobs: JobRef[],
  benchmarkId: string,
  logsDir: string,
): Promise<number> {
  await mkdir(logsDir, { recursive: true });
  let copied = 0;
  for (const job of jobs) {
    for (let task = 0; task < job.tasks; task++) {
      const component = componentName(benchmarkId, job.name, task, job.tasks);
      for (const [source, target] of [
        [jobFiles.stdout(task), join(logsDir, logFiles.stdout(component))],
        [jobFiles.stderr(task), join(logsDir, logFiles.stderr(component))],
      ] as const) {
        for await (const { data } of readChunks(executor, job, source, sizeOf(target))) {
          await appendFile(target, data);
          copied += data.length;
        }
      }
    }
  }
  return copied;
}
