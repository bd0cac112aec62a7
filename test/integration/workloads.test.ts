// Non-LLM workloads through the whole workflow on the local executor: plain HTTP, embeddings and
// a bring-your-own client command, each against the simulator.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import { type DevEnv, inProcessWorker, startDevEnv, testConfig } from './harness';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

let counter = 0;
async function run(workload: Record<string, unknown>) {
  const config = testConfig();
  const worker = await inProcessWorker(dev, config);
  const workflowId = `bench-wl-${process.pid}-${++counter}`;
  const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
    taskQueue: config.taskQueue,
    workflowId,
    args: [{ name: 'workloads', service: { kind: 'simulator', simulator: { ttft: '2ms' } }, workload }],
  });
  const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;
  return { summary, jobDir: join(config.dataDir, 'jobs', workflowId, `${workflowId}-clients`) };
}

describe('non-LLM workloads', () => {
  it('command: the own client gets the documented environment, and its records become the summary', async () => {
    const { summary, jobDir } = await run({
      kind: 'command',
      command: {
        argv: ['node', 'client.mjs'],
        upload: [resolve(import.meta.dirname, '../../examples/own-client/client.mjs')],
        env: { OWN_CLIENT_GREETING: 'hello' },
      },
      clients: { count: 2 },
      stages: [{ name: 'c2', mode: 'concurrency', concurrency: 4, duration: '3s', warmup: '1s' }],
    });
    expect(summary.status).toBe('completed');
    const [stage] = summary.stages;
    expect(stage!.validity?.valid).toBe(true);
    expect(stage!.requests.failed).toBe(0);
    expect(stage!.requests.ok).toBeGreaterThan(20);
    expect(stage!.latencyMs.e2e!.count).toBe(stage!.requests.ok);
    const { workload } = stage!;
    expect(Object.keys(workload!.classes)).toEqual(['even', 'odd']);
    expect(workload!.classes.even!.ok + workload!.classes.odd!.ok).toBe(stage!.requests.ok);
    expect(workload!.counters.bytes).toBe(stage!.requests.ok);
    expect(workload!.commands!.map((c) => [c.client, c.code, c.endedByAifb])).toEqual([
      [0, 0, false],
      [1, 0, false],
    ]);
    for (const client of [0, 1]) {
      const told = JSON.parse(readFileSync(join(jobDir, `own-client-env-0-${client}.json`), 'utf8'));
      expect(told).toMatchObject({
        SERVICE_URL: expect.stringMatching(/^http:\/\/[^/]+:\d+$/),
        SERVICE_HOSTNAME: expect.any(String),
        SERVICE_PORT: expect.stringMatching(/^\d+$/),
        AIFB_STAGE: 'c2',
        AIFB_STAGE_INDEX: '0',
        AIFB_CLIENT_INDEX: String(client),
        AIFB_CLIENT_COUNT: '2',
        AIFB_LOAD_MODE: 'concurrency',
        AIFB_CONCURRENCY: '2',
        AIFB_DURATION_S: '3',
        AIFB_WARMUP_S: '1',
        OWN_CLIENT_GREETING: 'hello',
      });
      expect(told.SERVICE_URL).toBe(`http://${told.SERVICE_HOSTNAME}:${told.SERVICE_PORT}`);
    }
  });

  it('command: a client whose command fails makes the run fail as INVALID, saying which and how', async () => {
    // The workflow fails (InvalidRun, non-retryable) with the reason; summary.json keeps the verdict.
    await expect(
      run({
        kind: 'command',
        command: { argv: ['node', '-e', 'process.exit(3)'] },
        stages: [{ name: 'c1', mode: 'concurrency', concurrency: 1, duration: '2s' }],
      }),
    ).rejects.toMatchObject({
      cause: {
        type: 'InvalidRun',
        message: expect.stringContaining("client-command: client 0's command exited with status 3"),
      },
    });
  });

  it('http and embeddings: operations counted as requests, embeddings inputs and tokens counted', async () => {
    const http = await run({
      kind: 'http',
      http: { path: '/v1/models?n={{n}}', variables: { n: { kind: 'sequence' } } },
      stages: [{ name: 'c2', mode: 'concurrency', concurrency: 2, maxRequests: 50, duration: '30s' }],
    });
    expect(http.summary.status).toBe('completed');
    expect(http.summary.stages[0]!.requests).toMatchObject({ ok: 50, failed: 0 });
    const emb = await run({
      kind: 'openai-embeddings',
      embeddings: { batchSize: 3, inputTokens: 5 },
      stages: [{ name: 'c2', mode: 'concurrency', concurrency: 2, maxRequests: 20, duration: '30s' }],
    });
    expect(emb.summary.status).toBe('completed');
    expect(emb.summary.stages[0]!.workload!.counters).toEqual({ inputs: 60, tokens: 300 });
  });
});
