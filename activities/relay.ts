/**
 * The relay: every running benchmark's logs, live progress and metrics, served by one hub per
 * worker process (relay-hub.ts); and the last copy after teardown (flushLogs).
 */
import { Context } from '@temporalio/activity';
import type { BenchInput, Phase } from '../core/contract';
import { paths } from '../core/node/config';
import { selfMetrics } from '../telemetry/self-metrics';
import type { ActivityContext } from './context';
import { RelayHub, workflowStatus } from './relay-hub';
import { syncLogsOnce } from './relay-logs';
import { RunTelemetry } from './run-telemetry';

export function relayActivities(ctx: ActivityContext) {
  const hub = new RelayHub(ctx);
  return {
    /** Registers the benchmark with this worker's hub until the workflow cancels it. */
    async relayTelemetry(input: BenchInput): Promise<void> {
      await hub.relay(input, Context.current());
    },

    /** The last log copy after teardown, the logs' last lines to Loki, the final status. */
    async flushLogs({ benchmarkId, recipe, outcome }: BenchInput & { outcome?: Phase }): Promise<void> {
      const activity = Context.current();
      // From here on this copy is the only one: the relay stops, wherever it runs.
      await hub.retire(benchmarkId);
      const executor = ctx.executorFor(recipe);
      const jobs = await executor.listJobs(benchmarkId);
      await syncLogsOnce(executor, jobs, benchmarkId, paths.logs(ctx.config, benchmarkId));
      const telemetry = new RunTelemetry(ctx.config, executor, benchmarkId, recipe, (m) =>
        activity.log.warn(m),
      );
      // After teardown no job runs: lines the jobs' own shippers left are the relay's now.
      await telemetry.shipLogs(jobs, { final: true });
      const status = await workflowStatus(activity);
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
