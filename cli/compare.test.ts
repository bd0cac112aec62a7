import { describe, expect, it } from 'vitest';
import type { BenchmarkSummary, StageSummary } from '../core/summary';
import { compareSummaries, formatDelta, renderCompare } from './compare';

const latency = (p50: number, p99: number) => ({ p50, p99 }) as unknown as StageSummary['latencyMs']['ttft'];

function stage(name: string, rps: number, ttftP50: number): StageSummary {
  return {
    name,
    throughput: { requestsPerS: rps, outputTokensPerS: rps * 10, totalTokensPerS: 0 },
    goodput: null,
    requests: { ok: 100, failed: 0, errors: {}, sentTotal: 100 },
    latencyMs: { ttft: latency(ttftP50, ttftP50 * 2), tpot: null, itl: null, e2e: null },
  } as unknown as StageSummary;
}

const summary = (id: string, stages: StageSummary[]) =>
  ({ benchmarkId: id, recipeName: 'r', status: 'completed', stages }) as unknown as BenchmarkSummary;

describe('compareSummaries', () => {
  const a = summary('A', [stage('c8', 10, 40), stage('c16', 18, 60)]);
  const b = summary('B', [stage('c8', 12, 50)]);
  const rows = compareSummaries(a, b);

  it('gives B − A and the percent, and says which way is better per metric', () => {
    expect(rows.find((r) => r.stage === 'c8' && r.metric === 'req/s')).toEqual({
      stage: 'c8',
      metric: 'req/s',
      a: 10,
      b: 12,
      delta: 2,
      percent: 20,
      better: true,
    });
    const ttft = rows.find((r) => r.stage === 'c8' && r.metric === 'TTFT p50 ms')!;
    expect([ttft.delta, ttft.percent, ttft.better]).toEqual([10, 25, false]);
  });

  it('matches stages by name and leaves a stage only one side has without deltas', () => {
    const c16 = rows.filter((r) => r.stage === 'c16');
    expect(c16.length).toBeGreaterThan(0);
    expect(c16.every((r) => r.b === null && r.delta === null && r.better === null)).toBe(true);
  });

  it('equal or missing values are neither better nor worse', () => {
    const failed = rows.find((r) => r.stage === 'c8' && r.metric === 'requests failed')!;
    expect([failed.delta, failed.percent, failed.better]).toEqual([0, null, null]);
    expect(rows.find((r) => r.metric === 'TPOT p50 ms')?.delta).toBeNull();
  });

  it('formats deltas with sign, percent and verdict, and renders a table', () => {
    expect(formatDelta(rows[0]!)).toBe('+2 (+20.0%) better');
    const text = renderCompare(a, b);
    expect(text).toContain('A: A (r, completed)');
    expect(text).toMatch(/TTFT p50 ms.*40.*50.*\+10 \(\+25\.0%\) worse/);
  });
});
