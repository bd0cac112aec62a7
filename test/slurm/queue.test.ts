// Queue-aware clocks on a real Slurm cluster: a service job held in the queue for longer than
// its health timeout must not fail on health; the summary tells the queue wait apart.
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import { type DevEnv, inProcessWorker, startDevEnv, testConfig } from '../integration/harness';
import { drainNode, queuedJobId, resumeNode, slurmRecipe } from './cluster';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

describe('queue-aware clocks', () => {
  it('a service held pending past its health timeout still runs; the summary shows the queue wait', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = `bench-held-${process.pid}`;
    const recipe = slurmRecipe('held', { stage: { duration: '3s', cooldown: '3s' } });
    // Health timeout 5 s; the job is held for 12 s: a clock started at submission would fail it.
    recipe.service = { ...recipe.service, health: { timeout: '5s', interval: '300ms' } };
    const HOLD_MS = 12_000;
    const summary = await worker.runUntil(async () => {
      // Drained, the node starts no job: the service stays pending until it is held.
      drainNode();
      let jobId: string;
      let handle: WorkflowHandle;
      try {
        handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
          taskQueue: config.taskQueue,
          workflowId: id,
          args: [recipe],
        });
        jobId = await queuedJobId(`${id}-service`, 'PENDING');
        execFileSync('scontrol', ['hold', jobId]);
      } finally {
        resumeNode();
      }
      const heldAt = Date.now();
      await sleep(HOLD_MS);
      // Held means priority 0 (the Reason field may read None once the node is resumed).
      const shown = execFileSync('scontrol', ['show', 'job', '-o', jobId], { encoding: 'utf8' });
      const reason = /\bPriority=(\d+)/.exec(shown)?.[1] ?? shown;
      execFileSync('scontrol', ['release', jobId]);
      return { result: (await handle.result()) as BenchmarkSummary, heldFor: Date.now() - heldAt, reason };
    });
    const { result } = summary;
    expect(summary.reason).toBe('0');
    expect(result.status).toBe('completed');
    expect(result.stages[0]!.requests.failed).toBe(0);
    const timing = result.service.timing!;
    // The wait covers the hold (the hold began within a moment of the submission).
    expect(timing.queueWaitMs).toBeGreaterThanOrEqual(HOLD_MS - 1000);
    // What Slurm said while it pended (the hold, or the drain before it).
    expect(timing.pendingReason).toBeTruthy();
  });
});
