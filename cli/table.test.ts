import { describe, expect, it } from 'vitest';
import type { BenchmarkSummary, StageSummary } from '../core/summary';
import type { LatencySummary } from '../core/summary-format';
import { renderResultsTable } from './table';

const lat = (p50: number, p99: number): LatencySummary => ({
  count: 10,
  mean: p50,
  stddev: 0,
  min: p50,
  max: p99,
  p50,
  p90: p99,
  p95: p99,
  p99,
  p999: p99,
});

type StageExtra = Partial<Omit<StageSummary, 'tokens'>> & { tokens?: Partial<StageSummary['tokens']> };

function stage(extra: StageExtra = {}): StageSummary {
  const { tokens, ...rest } = extra;
  return {
    index: 0,
    name: 'c1',
    mode: 'concurrency',
    concurrency: 1,
    rate: { requestedPerS: null, achievedPerS: 1, errorPct: null, scheduled: null, deliveryErrorPct: null },
    bounds: { durationS: 10, maxRequests: null, warmupS: 0, cooldownS: 0 },
    clientsExpected: 1,
    clientsReported: 1,
    windowS: 10,
    requests: { sent: 77, ok: 77, failed: 0, errors: {}, sentTotal: 77, errorsTotal: {} },
    throughput: { requestsPerS: 7.7, outputTokensPerS: 100, totalTokensPerS: 200 },
    goodput: null,
    tokens: {
      input: 0,
      output: 0,
      streamChunks: 0,
      usageMissing: 0,
      streamMismatch: 0,
      lengthShort: 0,
      exactOutputLength: true,
      ...tokens,
    },
    latencyMs: { ttft: lat(20, 30), e2e: null, tpot: lat(4.1, 5), itl: null, itlPerToken: null },
    serviceTimeMs: { ttft: null, e2e: null },
    scheduleLagMs: null,
    loadgen: { cpuCoresMax: 0.1, eventLoopUtilizationMax: 0.1, clampedValues: 0 },
    ...rest,
  };
}

const table = (s: StageSummary) =>
  renderResultsTable({
    benchmarkId: 'b',
    recipeName: 'r',
    status: 'completed',
    service: { kind: 'llamacpp', model: 'm' },
    stages: [s],
  } as BenchmarkSummary);
const row = (text: string, label: string) => text.split('\n').find((l) => l.includes(`${label} `)) ?? '';

describe('results table', () => {
  it("shows reconnects, asked / served input tokens and the server's own TPOT", () => {
    const text = table(
      stage({
        requests: {
          ...stage().requests,
          reconnects: 7,
          reconnectsTotal: 9,
        },
        tokens: {
          inputAskedMean: 64,
          inputServed: { mean: 94.4, total: 7269, requests: 77 },
          cachedPromptTotal: 120,
        },
        serverTimings: {
          source: 'llamacpp-timings',
          requests: 77,
          tpotMs: lat(4.09, 4.8),
          promptMs: lat(12, 15),
          promptNMean: 94,
          predictedNMean: 64,
          cacheNTotal: null,
        },
      }),
    );
    expect(row(text, 'reconnects')).toMatch(/│ 7\s+│$/);
    expect(row(text, 'input tokens (asked / served)')).toContain('64 / 94 (120 cached)');
    expect(row(text, 'server TPOT p50 / p99 ms')).toContain('4.1 / 4.8');
    expect(row(text, 'TPOT p50 / p99 ms')).toContain('4.1 / 5.0');
  });

  it('shows dashes where an older summary or another server has nothing to say', () => {
    const text = table(stage());
    expect(row(text, 'reconnects')).toMatch(/│ -\s+│$/);
    expect(row(text, 'input tokens (asked / served)')).toMatch(/│ -\s+│$/);
    expect(row(text, 'server TPOT p50 / p99 ms')).toMatch(/│ -\s+│$/);
    const simulator = table(
      stage({ tokens: { inputAskedMean: 64, inputServed: null, cachedPromptTotal: null } }),
    );
    expect(row(simulator, 'input tokens (asked / served)')).toContain('64 / -');
  });

  it('shows a vector-search stage: recall, the insert phase, no token rows and no per-s rows of recall counters', () => {
    const text = table(
      stage({
        workload: {
          classes: {},
          counters: { recallHits: 950, recallPossible: 1000 },
          countersPerS: { recallHits: 95, recallPossible: 100 },
          ratios: { recall: 0.95 },
          phases: {
            insert: { items: 20000, failed: 0, durationMs: 8000, itemsPerS: 2500, latencyMs: lat(100, 300) },
          },
        },
      }),
    );
    expect(row(text, 'recall')).toContain('0.9500');
    expect(row(text, 'insert: items (failed) in s')).toContain('20000 (0) in 8.00');
    expect(row(text, 'insert: items per s')).toContain('2500.0');
    expect(row(text, 'insert: p50 / p99 ms')).toContain('100.00 / 300.00');
    expect(text).not.toContain('recallHits');
    expect(text).not.toContain('TTFT');
  });
});
