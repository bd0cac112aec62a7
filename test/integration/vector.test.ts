// vector-search end to end on the local executor against a real Chroma server (`chroma run` of
// PyPI chromadb, installed by setup): insert once, exact neighbours by brute force, recall@10 of
// filtered queries (the Slurm tier runs the same set unfiltered).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import { chromaBinary, chromaVectorWorkload } from '../fixtures/chroma';
import { type DevEnv, inProcessWorker, jobProcessesUnder, startDevEnv, testConfig } from './harness';

let dev: DevEnv;
const cacheBefore = process.env.AIFB_CACHE;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
  if (cacheBefore === undefined) delete process.env.AIFB_CACHE;
  else process.env.AIFB_CACHE = cacheBefore;
});

describe('vector-search on a real Chroma', () => {
  it('inserts the set once, then every stage answers filtered queries with recall@10 >= 0.9', async () => {
    const binary = chromaBinary();
    // The clients' ground-truth cache (they inherit this environment): empty, so brute force runs.
    process.env.AIFB_CACHE = mkdtempSync(join(tmpdir(), 'aifb-vector-cache-'));
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: `bench-vector-${process.pid}`,
      args: [
        {
          name: 'vector',
          service: { kind: 'chroma', binary, health: { timeout: '60s', interval: '300ms' } },
          // Each query keeps only the vectors of its own category (one in 4: ~750 of them).
          workload: chromaVectorWorkload(2, { filter: { field: 'category', values: 4, op: 'eq' } }),
        },
      ],
    });
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;
    expect(summary.status).toBe('completed');
    expect(summary.service.identity?.version).toBe('1.0.0');
    const [one, c4] = summary.stages;
    for (const stage of [one!, c4!]) {
      expect(stage.requests.failed).toBe(0);
      expect(stage.clientsReported).toBe(2);
      expect(stage.workload?.ratios?.recall).toBeGreaterThanOrEqual(0.9);
      // Every query counted k possible hits: ~750 vectors pass each filter.
      expect(stage.workload?.counters.recallPossible).toBe(10 * stage.requests.ok);
      expect(stage.latencyMs.e2e?.p50).toBeGreaterThan(0);
    }
    expect(one!.requests.ok).toBe(60);
    expect(c4!.throughput.requestsPerS).toBeGreaterThan(5);
    // Inserted once, at the first stage, each client its half; Chroma reports no index build.
    expect(one!.workload?.phases.insert).toMatchObject({ items: 3000, failed: 0 });
    expect(one!.workload?.phases.insert?.itemsPerS).toBeGreaterThan(0);
    expect(one!.workload?.phases.index).toBeUndefined();
    expect(c4!.workload?.phases).toEqual({});
    expect(jobProcessesUnder(config.dataDir)).toEqual([]);
  });
});
