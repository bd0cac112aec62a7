/**
 * The backstop for runs that ended without teardown: `temporal workflow terminate`, a workflow
 * timeout, a namespace cleaned by hand. Every worker checks, each minute, the benchmarks that
 * still have live jobs on the executors it knows; a benchmark whose workflow is closed has its
 * jobs cancelled, so they do not run until their Slurm time limit. A benchmark whose workflow
 * is running, or not (yet) in visibility, is left alone.
 */
import type { Client } from '@temporalio/client';
import { quote } from '../control/visibility';
import { BenchmarkIdKey } from '../core/search-attributes';
import type { Executor } from '../executors/types';
import { selfMetrics } from '../telemetry/self-metrics';

const SWEEP_EVERY_MS = 60_000;

export interface OrphanSweep {
  benchmarkId: string;
  /** The closed workflow's status (TERMINATED, TIMED_OUT, ...). */
  workflowStatus: string;
  executor: string;
  cancelled: string[];
}

/** The status of the workflow that runs `benchmarkId`; null when visibility has none. */
async function workflowStatusOf(client: Client, benchmarkId: string): Promise<string | null> {
  // Schedule-started runs have another workflow id: find the run by its search attribute.
  for await (const execution of client.workflow.list({
    query: `${BenchmarkIdKey.name} = ${quote(benchmarkId)}`,
    pageSize: 10,
  })) {
    return execution.status.name;
  }
  return null;
}

/**
 * The benchmark ids of every running benchmark workflow: one paged list, so a sweep costs one
 * query however many benchmarks run (README "Scale"); only the others are asked one by one.
 */
async function runningBenchmarkIds(client: Client): Promise<Set<string>> {
  const running = new Set<string>();
  for await (const execution of client.workflow.list({
    query: `ExecutionStatus = 'Running' AND ${BenchmarkIdKey.name} IS NOT NULL`,
    pageSize: 1000,
  })) {
    const id = execution.searchAttributes?.[BenchmarkIdKey.name]?.[0];
    if (typeof id === 'string') running.add(id);
  }
  return running;
}

/** One pass over every executor; returns what it cancelled. */
export async function sweepOrphanedJobs(
  client: Client,
  executors: readonly Executor[],
): Promise<OrphanSweep[]> {
  const swept: OrphanSweep[] = [];
  let running: Set<string> | undefined;
  for (const executor of executors) {
    for (const benchmarkId of await executor.liveBenchmarks()) {
      running ??= await runningBenchmarkIds(client);
      if (running.has(benchmarkId)) continue;
      const status = await workflowStatusOf(client, benchmarkId);
      if (status === null || status === 'RUNNING') continue;
      const cancelled = await executor.cancelAll(benchmarkId);
      selfMetrics.orphansCancelled.inc(
        { executor: executor.kind, workflow_status: status },
        cancelled.length,
      );
      swept.push({ benchmarkId, workflowStatus: status, executor: executor.kind, cancelled });
    }
  }
  return swept;
}

/** Sweeps now and every minute until the returned function is called. */
export function startJobJanitor(
  client: Client,
  executors: () => Executor[],
  log: (message: string) => void,
  everyMs = SWEEP_EVERY_MS,
): () => void {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      for (const s of await sweepOrphanedJobs(client, executors())) {
        log(
          `job janitor: benchmark ${s.benchmarkId} ended ${s.workflowStatus} without teardown; cancelled ${s.cancelled.join(', ') || 'its jobs'} (${s.executor})`,
        );
      }
    } catch (err) {
      log(`job janitor: sweep failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      running = false;
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
