/**
 * The relay runs beside the whole benchmark: it copies every job's stdout/stderr to
 * data/logs/<id>/ and publishes the clients' latest progress in its heartbeats.
 * The copy's size is the read offset, so a restarted relay resumes without duplicates.
 */
import { appendFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledFailure, Context } from '@temporalio/activity';
import type { BenchInput, RelayProgress } from '../core/benchmark';
import { paths } from '../core/config';
import { loadgenFiles, type ProgressSnapshot } from '../core/loadgen-protocol';
import { type Executor, type JobRef, jobFiles } from '../executors/types';
import { type ActivityContext, componentName } from './context';

const RELAY_INTERVAL_MS = 1000;

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

/** One pass over the output of `jobs`; returns the bytes copied. */
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
      for (const [source, suffix] of [
        [jobFiles.stdout(task), '.log'],
        [jobFiles.stderr(task), '.err.log'],
      ] as const) {
        const target = join(logsDir, `${component}${suffix}`);
        let offset = await sizeOf(target);
        for (;;) {
          const chunk = await executor.readFile(job, source, offset);
          if (chunk.data.length === 0) break;
          await appendFile(target, chunk.data);
          copied += chunk.data.length;
          offset = chunk.nextOffset;
        }
      }
    }
  }
  return copied;
}

function lastLine(text: string): string | undefined {
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  // Only the part after the first newline is surely whole: a tail may start mid-line.
  return lines.length > 1 || text.startsWith('{') ? lines.at(-1) : undefined;
}

/** The latest snapshot of each client of the newest stage. */
async function progressOf(executor: Executor, jobs: JobRef[], logBytes: number): Promise<RelayProgress> {
  const job = jobs.filter((j) => j.name.endsWith('-clients')).at(-1);
  if (!job) return { stageJob: null, clients: [], logBytes };
  const clients: ProgressSnapshot[] = [];
  for (let index = 0; index < job.tasks; index++) {
    const line = lastLine(await executor.tail(job, loadgenFiles.progress(index), 4096));
    if (!line) continue;
    try {
      clients.push(JSON.parse(line) as ProgressSnapshot);
    } catch {
      // a torn line: the next pass reads a whole one
    }
  }
  return { stageJob: job.name, clients, logBytes };
}

export function relayActivities(ctx: ActivityContext) {
  const syncAll = async (executor: Executor, benchmarkId: string) =>
    syncLogsOnce(
      executor,
      await executor.listJobs(benchmarkId),
      benchmarkId,
      paths.logs(ctx.config, benchmarkId),
    );

  return {
    async relayTelemetry({ benchmarkId, recipe }: BenchInput): Promise<void> {
      const activity = Context.current();
      const executor = ctx.executorFor(recipe);
      let logBytes = 0;
      for (;;) {
        try {
          const jobs = await executor.listJobs(benchmarkId);
          logBytes += await syncLogsOnce(executor, jobs, benchmarkId, paths.logs(ctx.config, benchmarkId));
          activity.heartbeat(await progressOf(executor, jobs, logBytes));
          await activity.sleep(RELAY_INTERVAL_MS);
        } catch (err) {
          if (err instanceof CancelledFailure) {
            await syncAll(executor, benchmarkId).catch(() => 0);
            throw err;
          }
          activity.log.warn('relay pass failed; retrying', { error: String(err) });
          await activity.sleep(RELAY_INTERVAL_MS * 5);
        }
      }
    },

    async flushLogs({ benchmarkId, recipe }: BenchInput): Promise<void> {
      await syncAll(ctx.executorFor(recipe), benchmarkId);
    },
  };
}
