/**
 * The relay runs beside the whole benchmark. Every second it copies every job's stdout/stderr
 * to data/logs/<id>/ (the copy's size is the read offset, so a restarted relay resumes without
 * duplicates) and publishes the clients' latest progress in its heartbeats; every push
 * interval it also pushes status, client, service and system metrics (activities/telemetry.ts)
 * and ships new log lines to Loki.
 */
import { appendFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledFailure, Context } from '@temporalio/activity';
import {
  type BenchInput,
  type BenchmarkStatus,
  type Phase,
  type RelayProgress,
  statusQuery,
} from '../core/contract';
import { clientsJobOf, componentName, type JobRef, jobFiles, logFiles, serviceJobOf } from '../core/jobs';
import type { ProgressSnapshot } from '../core/loadgen-protocol';
import { paths } from '../core/node/config';
import { type Executor, readChunks } from '../executors/types';
import { selfMetrics } from '../telemetry/self-metrics';
import type { ActivityContext } from './context';
import { heartbeat } from './heartbeat';
import { RunTelemetry } from './run-telemetry';

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
      for (const [source, target] of [
        [jobFiles.stdout(task), join(logsDir, logFiles.stdout(component))],
        [jobFiles.stderr(task), join(logsDir, logFiles.stderr(component))],
      ] as const) {
        for await (const { data } of readChunks(executor, job, source, await sizeOf(target))) {
          await appendFile(target, data);
          copied += data.length;
        }
      }
    }
  }
  return copied;
}

/**
 * The live status of the benchmark this activity belongs to. Asked of the activity's own
 * workflow: a schedule-started run's workflow id differs from its benchmark id.
 */
async function workflowStatus(): Promise<BenchmarkStatus | null> {
  const activity = Context.current();
  const workflowId = activity.info.workflowExecution?.workflowId;
  if (!workflowId) return null;
  try {
    return await activity.client.workflow.getHandle(workflowId).query(statusQuery);
  } catch {
    return null;
  }
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
      const telemetry = new RunTelemetry(ctx.config, executor, benchmarkId, recipe, (m) =>
        activity.log.warn(m),
      );
      const pushEvery = ctx.config.telemetry?.pushIntervalMs ?? 2000;
      let logBytes = 0;
      let lastPush = 0;
      // The stage the workflow is in, as of its last status: whose progress files to read.
      let stageIndex: number | null = null;
      try {
        for (;;) {
          try {
            const jobs = await executor.listJobs(benchmarkId);
            logBytes += await syncLogsOnce(executor, jobs, benchmarkId, paths.logs(ctx.config, benchmarkId));
            const clientsJob = clientsJobOf(benchmarkId, jobs);
            let clients: ProgressSnapshot[] | null = null;
            if (Date.now() - lastPush >= pushEvery) {
              lastPush = Date.now();
              const service = serviceJobOf(benchmarkId, jobs);
              const status = await workflowStatus();
              if (status) {
                stageIndex = status.stageIndex;
                await telemetry.pushStatus(status);
              }
              clients = await telemetry.pushClients(clientsJob, stageIndex);
              await telemetry.scrapeService(service);
              await telemetry.pushSystem(service);
              await telemetry.shipLogs(jobs);
            }
            clients ??= await telemetry.readClients(clientsJob, stageIndex);
            const progress: RelayProgress = { stageIndex, clients, logBytes };
            heartbeat(progress);
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
      } finally {
        await telemetry.closeEndpoint();
      }
    },

    /** The last log copy after teardown, the logs' last lines to Loki, the final status. */
    async flushLogs({ benchmarkId, recipe, outcome }: BenchInput & { outcome?: Phase }): Promise<void> {
      const activity = Context.current();
      const executor = ctx.executorFor(recipe);
      const jobs = await executor.listJobs(benchmarkId);
      await syncLogsOnce(executor, jobs, benchmarkId, paths.logs(ctx.config, benchmarkId));
      const telemetry = new RunTelemetry(ctx.config, executor, benchmarkId, recipe, (m) =>
        activity.log.warn(m),
      );
      // After teardown no job runs: lines the jobs' own shippers left are the relay's now.
      await telemetry.shipLogs(jobs, { final: true });
      const status = await workflowStatus();
      if (status && outcome) {
        const atMs = Date.now();
        await telemetry.pushStatus({
          ...status,
          phase: outcome,
          phases: [...status.phases, { phase: outcome, atMs }],
          stageIndex: null,
          stageName: null,
          stageEndsAtMs: null,
        });
        selfMetrics.finished.inc({ outcome });
      }
    },
  };
}
