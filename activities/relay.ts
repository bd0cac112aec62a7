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
import { type Executor, jobFiles, TERMINAL_STATES } from '../executors/types';
import { type ActivityContext, componentName } from './context';

const RELAY_INTERVAL_MS = 1000;

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

/** One pass over every job's output; returns the bytes copied. */
export async function syncLogsOnce(
  executor: Executor,
  benchmarkId: string,
  logsDir: string,
): Promise<number> {
  await mkdir(logsDir, { recursive: true });
  let copied = 0;
  for (const job of await executor.listJobs(benchmarkId)) {
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

async function latestProgress(
  executor: Executor,
  benchmarkId: string,
): Promise<RelayProgress['clients'] & object> {
  return (await progressOf(executor, benchmarkId)).clients;
}

async function progressOf(executor: Executor, benchmarkId: string): Promise<RelayProgress> {
  const clientJobs = (await executor.listJobs(benchmarkId)).filter((j) => j.name.endsWith('-clients'));
  const job = clientJobs.at(-1);
  if (!job) return { stageJob: null, clients: [], logBytes: 0 };
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
  return { stageJob: job.name, clients, logBytes: 0 };
}

export function relayActivities(ctx: ActivityContext) {
  return {
    async relayTelemetry({ benchmarkId, recipe }: BenchInput): Promise<void> {
      const activity = Context.current();
      const executor = ctx.executorFor(recipe);
      const logsDir = paths.logs(ctx.config, benchmarkId);
      let logBytes = 0;
      for (;;) {
        try {
          logBytes += await syncLogsOnce(executor, benchmarkId, logsDir);
          const progress = await progressOf(executor, benchmarkId);
          const jobs = await executor.listJobs(benchmarkId);
          const live = await Promise.all(
            jobs.map(async (j) => !TERMINAL_STATES.has((await executor.status(j)).state)),
          );
          activity.heartbeat({ ...progress, logBytes, liveJobs: live.filter(Boolean).length });
          await activity.sleep(RELAY_INTERVAL_MS);
        } catch (err) {
          if (err instanceof CancelledFailure) {
            await syncLogsOnce(executor, benchmarkId, logsDir).catch(() => 0);
            throw err;
          }
          activity.log.warn('relay pass failed; retrying', { error: String(err) });
          await activity.sleep(RELAY_INTERVAL_MS * 5);
        }
      }
    },

    async flushLogs({ benchmarkId, recipe }: BenchInput): Promise<void> {
      await syncLogsOnce(ctx.executorFor(recipe), benchmarkId, paths.logs(ctx.config, benchmarkId));
    },
  };
}

export { latestProgress };
