/**
 * `temporal workflow terminate` skips teardown by design: the job janitor is the backstop. A run
 * terminated mid-load leaves live jobs; one sweep cancels them, a running run's jobs are left.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusQuery, WORKFLOW_TYPE } from '../../core/contract';
import { LocalExecutor } from '../../executors/local';
import { selfMetrics } from '../../telemetry/self-metrics';
import { sweepOrphanedJobs } from '../../workers/job-janitor';
import {
  type DevEnv,
  inProcessWorker,
  jobProcessesUnder,
  simulatorRecipe,
  startDevEnv,
  testConfig,
  waitForPhase,
} from './harness';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

describe('job janitor', () => {
  it('cancels the jobs of a terminated benchmark and leaves a running one alone', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const recipe = simulatorRecipe();
    (recipe.workload as { stages: { duration: string }[] }).stages[0]!.duration = '5m';
    const start = (id: string) =>
      dev.env.client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: config.taskQueue,
        workflowId: id,
        args: [recipe],
      });
    const executor = new LocalExecutor({ root: `${config.dataDir}/jobs` });
    const client = new Client({ connection: dev.env.connection });
    const counted = async () =>
      (await selfMetrics.orphansCancelled.get()).values.reduce((a, v) => a + v.value, 0);
    const before = await counted();

    await worker.runUntil(async () => {
      const doomed = await start(`bench-doomed-${process.pid}`);
      const kept = await start(`bench-kept-${process.pid}`);
      await waitForPhase(doomed, 'loading', 90_000);
      await waitForPhase(kept, 'loading', 90_000);
      await doomed.terminate('operator pulled the plug');
      expect((await executor.liveBenchmarks()).sort()).toEqual([doomed.workflowId, kept.workflowId].sort());

      // Visibility follows the terminate a moment later; until then the janitor leaves it be.
      let swept: Awaited<ReturnType<typeof sweepOrphanedJobs>> = [];
      for (let i = 0; i < 50 && swept.length === 0; i++) {
        swept = await sweepOrphanedJobs(client, [executor]);
        if (swept.length === 0) await sleep(200);
      }
      expect(swept).toEqual([
        {
          benchmarkId: doomed.workflowId,
          workflowStatus: 'TERMINATED',
          executor: 'local',
          cancelled: [`${doomed.workflowId}-clients`, `${doomed.workflowId}-service`],
        },
      ]);
      expect(await executor.liveBenchmarks()).toEqual([kept.workflowId]);
      expect(await counted()).toBe(before + 2);
      expect((await kept.query(statusQuery)).phase).toBe('loading');
      await kept.cancel();
      await kept.result().catch(() => undefined);
    });
    expect(jobProcessesUnder(config.dataDir)).toEqual([]);
  });
});
