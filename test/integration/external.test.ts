// kind: external benchmarks an endpoint that is already running: no service job is submitted,
// the clients load it, and teardown leaves it running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusQuery, WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import { startSimulator } from '../../simulator/server';
import { type DevEnv, inProcessWorker, startDevEnv, testConfig } from './harness';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

describe('an external service', () => {
  it('is probed, loaded and left running; no job of its own', async () => {
    const sim = await startSimulator({
      host: '127.0.0.1',
      port: 0,
      model: 'prod-model',
      ttftMs: { mean: 20 },
      itlMs: { mean: 2 },
      outputTokens: { mean: 8 },
    });
    try {
      const config = testConfig();
      const worker = await inProcessWorker(dev, config);
      const workflowId = `bench-ext-${process.pid}`;
      const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: config.taskQueue,
        workflowId,
        args: [
          {
            name: 'ext',
            service: {
              kind: 'external',
              url: `${sim.url}/v1`,
              model: 'prod-model',
              health: { timeout: '10s' },
            },
            workload: {
              kind: 'openai-chat',
              dataset: { synthetic: { inputTokens: 16, outputTokens: 8 } },
              stages: [{ mode: 'concurrency', concurrency: 2, duration: '3s', cooldown: '3s' }],
            },
          },
        ],
      });
      // Queried while the worker still runs (a closed workflow's query needs one).
      const { summary, status } = await worker.runUntil(async () => ({
        summary: (await handle.result()) as BenchmarkSummary,
        status: await handle.query(statusQuery),
      }));
      expect(summary.status).toBe('completed');
      expect(summary.stages[0]!.requests.failed).toBe(0);
      expect(summary.stages[0]!.requests.ok).toBeGreaterThan(5);
      expect(summary.service.identity?.models.map((m) => m.id)).toEqual(['prod-model']);
      expect(status.jobs).toEqual([`${workflowId}-clients`]);
      // Still serving after the benchmark's teardown.
      const res = await fetch(`${sim.url}/health`);
      expect(res.status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
