// vector-search through the local Slurm cluster: the real Chroma server as the service job, two
// client array tasks that insert their shares, brute-force their queries' neighbours and score
// every answer (recall@10).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import { chromaBinary, chromaVectorWorkload } from '../fixtures/chroma';
import { type DevEnv, inProcessWorker, startDevEnv, testConfig } from '../integration/harness';
import { queuedNames, slurmRecipe } from './cluster';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

describe('vector-search on the Slurm cluster', () => {
  it('runs Chroma as a job and reaches recall@10 >= 0.9 at every stage', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = `bench-slurm-vector-${process.pid}`;
    const base = slurmRecipe('slurm-vector', {
      service: {
        kind: 'chroma',
        binary: chromaBinary(),
        resources: { time: '00:15:00' },
        health: { timeout: '90s', interval: '300ms' },
      },
    });
    const recipe = {
      ...base,
      workload: { ...chromaVectorWorkload(2), clients: { count: 2, resources: { time: '00:15:00' } } },
    };
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [recipe],
    });
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;
    expect(summary.status).toBe('completed');
    expect(summary.executor).toBe('slurm');
    for (const stage of summary.stages) {
      expect(stage.requests.failed).toBe(0);
      expect(stage.clientsReported).toBe(2);
      expect(stage.workload?.ratios?.recall).toBeGreaterThanOrEqual(0.9);
    }
    expect(summary.stages[0]!.workload?.phases.insert).toMatchObject({ items: 3000, failed: 0 });
    expect(summary.stages[1]!.workload?.phases).toEqual({});
    // Teardown cancelled both jobs.
    expect(queuedNames(id)).toEqual([]);
  });
});
