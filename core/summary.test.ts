import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from '../loadgen/histograms';
import type { ClientResult } from './loadgen-protocol';
import { type BenchmarkSummary, CSV_COLUMNS, SUMMARY_SCHEMA, summarizeStage, toCsv } from './summary';

function client(
  index: number,
  windowS: number,
  ok: number,
  ttftMs: number[],
  extra: Partial<ClientResult['measured']> = {},
) {
  const rec = (values: number[]) => {
    const r = new LatencyRecorder();
    for (const v of values) r.recordMs(v);
    return r.encode();
  };
  const start = 1_700_000_000_000;
  const result: ClientResult = {
    version: 1,
    clientIndex: index,
    startedAtMs: start - 1000,
    endedAtMs: start + windowS * 1000 + 500,
    windowStartMs: start,
    windowEndMs: start + windowS * 1000,
    measured: {
      ok,
      failed: 0,
      errors: {},
      inputTokens: ok * 10,
      outputTokens: ok * 4,
      streamChunks: ok * 4,
      usageMissing: 0,
      goodOk: ok,
      ...extra,
    },
    total: { sent: ok + 3, ok: ok + 3, failed: 0 },
    histograms: {
      ttft: rec(ttftMs),
      e2e: rec(ttftMs.map((t) => t + 30)),
      itl: rec([10, 10, 10]),
      tpot: rec([10]),
    },
  };
  return result;
}

const meta = { index: 0, name: 'c4', mode: 'concurrency', concurrency: 4, clientsExpected: 3, hasSlo: true };

describe('summarizeStage', () => {
  it('sums each client rate over its own window and merges histograms exactly', () => {
    const a = client(0, 10, 100, [20, 20, 40]);
    const b = client(1, 5, 50, [60], { failed: 2, errors: { http_500: 2 }, goodOk: 25 });
    const s = summarizeStage(meta, [a, b]);
    expect(s.clientsReported).toBe(2);
    expect(s.clientsExpected).toBe(3);
    expect(s.requests).toEqual({ ok: 150, failed: 2, errors: { http_500: 2 }, sentTotal: 156 });
    // 100/10 + 50/5 requests per second; tokens likewise.
    expect(s.throughput.requestsPerS).toBeCloseTo(20);
    expect(s.throughput.outputTokensPerS).toBeCloseTo(400 / 10 + 200 / 5);
    expect(s.throughput.totalTokensPerS).toBeCloseTo(1400 / 10 + 700 / 5);
    expect(s.goodput?.requestsPerS).toBeCloseTo(100 / 10 + 25 / 5);
    expect(s.goodput?.fraction).toBeCloseTo(125 / 150);
    expect(s.windowS).toBeCloseTo(7.5);
    const ttft = s.latencyMs.ttft!;
    expect(ttft.count).toBe(4);
    expect(ttft.min).toBeCloseTo(20, 1);
    expect(ttft.max).toBeCloseTo(60, 1);
    expect(ttft.p50).toBeCloseTo(20, 1);
    expect(s.latencyMs.e2e!.max).toBeCloseTo(90, 0);
  });

  it('has no latencies and no goodput when nothing completed and no SLO was set', () => {
    const s = summarizeStage({ ...meta, hasSlo: false }, [client(0, 10, 0, [])]);
    expect(s.latencyMs.ttft).toBeNull();
    expect(s.goodput).toBeNull();
    expect(s.throughput.requestsPerS).toBe(0);
  });
});

describe('results.csv', () => {
  it('keeps its columns in a stable order and writes one row per stage', () => {
    expect(CSV_COLUMNS.slice(0, 12)).toEqual([
      'benchmark_id',
      'stage',
      'mode',
      'concurrency',
      'clients',
      'window_s',
      'requests_ok',
      'requests_failed',
      'requests_per_s',
      'output_tokens_per_s',
      'total_tokens_per_s',
      'goodput_per_s',
    ]);
    expect(CSV_COLUMNS.slice(12)).toEqual(
      ['ttft', 'tpot', 'itl', 'e2e'].flatMap((m) => ['p50', 'p90', 'p99'].map((p) => `${m}_${p}_ms`)),
    );
    const stage = summarizeStage(meta, [client(0, 10, 100, [20])]);
    const summary: BenchmarkSummary = {
      schema: SUMMARY_SCHEMA,
      benchmarkId: 'bench-x-1',
      recipeName: 'x',
      status: 'completed',
      startedAt: '',
      finishedAt: '',
      executor: 'local',
      service: { kind: 'simulator', model: 'm', endpoint: null },
      stages: [stage, { ...stage, name: 'c8' }],
      collectedOn: { hostname: 'h', cpus: 2, node: 'v20' },
    };
    const lines = toCsv(summary).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const row = Object.fromEntries(lines[1]!.split(',').map((v, i) => [CSV_COLUMNS[i], v]));
    expect(row).toMatchObject({
      benchmark_id: 'bench-x-1',
      stage: 'c4',
      requests_ok: '100',
      requests_per_s: '10.000',
    });
    expect(Number(row.ttft_p50_ms)).toBeCloseTo(20, 1);
    expect(lines[2]!.split(',')[1]).toBe('c8');
  });
});
