/**
 * Two stages (closed-loop concurrency, then open-loop Poisson) through the real workflow, with
 * two client processes each: every summary field present and plausible, and the per-request
 * records written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import type { RequestRecord } from '../../core/loadgen-protocol';
import { SEARCH_ATTRIBUTE_KEYS } from '../../core/search-attributes';
import { type BenchmarkSummary, CSV_COLUMNS, type StageSummary, SUMMARY_SCHEMA } from '../../core/summary';
import { type DevEnv, inProcessWorker, simulatorRecipe, startDevEnv, testConfig } from './harness';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
  // The workflow sets aifb's search attributes; register them here in case the shared harness
  // does not (yet). Already registered is fine.
  await dev.env.connection.operatorService
    .addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(
        SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    })
    .catch(() => undefined);
});
afterAll(async () => {
  await dev?.teardown();
});

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD */
const INDEXED_VALUE_TYPE_KEYWORD = 2;
const TTFT = 40;
const ITL = 5;
const TOKENS = 12;

function expectLatency(l: StageSummary['latencyMs']['ttft'], around: number, tolerance: number) {
  expect(l).not.toBeNull();
  for (const k of ['count', 'mean', 'stddev', 'min', 'max', 'p50', 'p90', 'p95', 'p99', 'p999'] as const) {
    expect(Number.isFinite(l![k]), k).toBe(true);
  }
  expect(l!.min).toBeLessThanOrEqual(l!.p50);
  expect(l!.p50).toBeLessThanOrEqual(l!.p99);
  expect(l!.p99).toBeLessThanOrEqual(l!.max);
  expect(Math.abs(l!.p50 - around), `p50 ${l!.p50} vs ${around}`).toBeLessThan(tolerance);
}

describe('load modes through the workflow', () => {
  it('runs concurrency then poisson with two clients, every summary field present and plausible', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const recipe = simulatorRecipe({
      service: {
        kind: 'simulator',
        simulator: { ttft: `${TTFT}ms`, itl: `${ITL}ms`, outputTokens: 50, tokensPerChunk: 2, seed: 3 },
        health: { timeout: '20s', interval: '200ms' },
      },
      workload: {
        kind: 'openai-chat',
        dataset: { synthetic: { inputTokens: 32, outputTokens: TOKENS } },
        clients: { count: 2 },
        stages: [
          { name: 'c4', mode: 'concurrency', concurrency: 4, duration: '3s', warmup: '1s', cooldown: '2s' },
          { name: 'p40', mode: 'poisson', rate: 40, duration: '3s', warmup: '500ms', cooldown: '2s' },
        ],
        slo: { ttft: '200ms', tpot: '20ms' },
        recordRequests: true,
      },
    });
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: `bench-modes-${process.pid}`,
      args: [recipe],
    });
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;

    expect(summary.schema).toBe(SUMMARY_SCHEMA);
    expect(summary.status).toBe('completed');
    expect(summary.stages.map((s) => [s.name, s.mode, s.concurrency])).toEqual([
      ['c4', 'concurrency', 4],
      ['p40', 'poisson', null],
    ]);
    for (const s of summary.stages) {
      expect(s.clientsReported).toBe(2);
      expect(s.clientsExpected).toBe(2);
      expect(s.requests.failed).toBe(0);
      expect(s.requests.errors).toEqual({});
      expect(s.requests.ok).toBe(s.requests.sent);
      expect(s.requests.sentTotal).toBeGreaterThan(s.requests.sent); // warm-up requests too
      expect(s.windowS).toBeCloseTo(3, 0);
      expect(s.bounds).toMatchObject({ durationS: 3, maxRequests: null });
      // Exact lengths were asked for and honoured; 2 tokens a chunk: 6 chunks for 12 tokens.
      expect(s.tokens).toMatchObject({
        output: s.requests.ok * TOKENS,
        input: s.requests.ok * 32,
        streamChunks: s.requests.ok * (TOKENS / 2),
        usageMissing: 0,
        lengthShort: 0,
        exactOutputLength: true,
      });
      // The stream counts chunks, the server 2 tokens a chunk: every request disagrees, visibly.
      expect(s.tokens.streamMismatch).toBe(s.requests.ok);
      expect(s.throughput.outputTokensPerS).toBeCloseTo(s.throughput.requestsPerS * TOKENS, 0);
      expect(s.throughput.totalTokensPerS).toBeCloseTo(s.throughput.requestsPerS * (TOKENS + 32), 0);
      expect(s.goodput).toMatchObject({ fraction: 1 });
      expectLatency(s.latencyMs.ttft, TTFT, 6);
      expectLatency(s.serviceTimeMs.ttft, TTFT, 6);
      expectLatency(s.latencyMs.e2e, TTFT + (TOKENS - 2) * ITL, 8);
      expectLatency(s.serviceTimeMs.e2e, TTFT + (TOKENS - 2) * ITL, 8);
      expectLatency(s.latencyMs.tpot, ((TOKENS - 2) * ITL) / (TOKENS - 1), 2);
      // Per chunk: 2 tokens × 5 ms apart; per token: half of that.
      expectLatency(s.latencyMs.itl, 2 * ITL, 3);
      expectLatency(s.latencyMs.itlPerToken, ITL, 3);
      expect(s.latencyMs.itlPerToken!.count).toBe(s.requests.ok * (TOKENS - 1));
      expect(s.latencyMs.itl!.count).toBe(s.requests.ok * (TOKENS / 2 - 1));
      expect(s.scheduleLagMs!.count).toBe(s.requests.sent);
      expect(s.loadgen.cpuCoresMax).toBeGreaterThan(0);
      expect(s.loadgen.eventLoopUtilizationMax).toBeGreaterThan(0);
      expect(s.loadgen.clampedValues).toBe(0);
    }
    const [closed, open] = summary.stages as [StageSummary, StageSummary];
    expect(closed.rate.requestedPerS).toBeNull();
    expect(closed.requests.ok).toBeGreaterThan(100); // 4 loops × ~90 ms requests × 3 s
    // Poisson at 40/s over 3 s: ~120 sends (±3σ ≈ 33), delivered on schedule.
    expect(open.rate.requestedPerS).toBe(40);
    expect(open.requests.sent).toBeGreaterThan(85);
    expect(open.requests.sent).toBeLessThan(155);
    expect(open.rate.achievedPerS).toBeCloseTo(open.requests.sent / 3, 0);
    expect(open.scheduleLagMs!.p99).toBeLessThan(20);

    const dir = join(config.dataDir, 'results', handle.workflowId);
    const csv = readFileSync(join(dir, 'results.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe(CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(3);
    const records = readFileSync(join(dir, 'requests.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as RequestRecord);
    for (const [i, s] of summary.stages.entries()) {
      const mine = records.filter((r) => r.stage === i);
      expect(mine.length).toBe(s.requests.sentTotal);
      expect(mine.filter((r) => r.measured).length).toBe(s.requests.sent);
      expect(new Set(mine.map((r) => r.client))).toEqual(new Set([0, 1]));
      // Each request went out with its record's id as x-request-id, unique within the benchmark.
      for (const r of mine)
        expect(r.id).toMatch(new RegExp(`^${handle.workflowId}-s${i}-c${r.client}-\\d+$`));
      for (const r of mine.filter((x) => x.ok)) expect(r.chunkMs).toHaveLength(r.streamChunks!);
    }
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
  });
});
