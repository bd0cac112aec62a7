import { describe, expect, it } from 'vitest';
import type { BenchmarkSummary, StageSummary } from '../core/summary';
import { compareRuns } from './compare';

const stage = (name: string, reqs: number, ttftP99: number, extra: object = {}) =>
  ({
    name,
    rate: { achievedPerS: reqs },
    throughput: { requestsPerS: reqs, outputTokensPerS: reqs * 10 },
    requests: { failed: 0 },
    goodput: null,
    latencyMs: { ttft: { p50: ttftP99 / 2, p99: ttftP99 }, tpot: null, itl: null, e2e: null },
    ...extra,
  }) as unknown as StageSummary;

const run = (id: string, stages: StageSummary[]) =>
  ({ benchmarkId: id, stages }) as unknown as BenchmarkSummary;

describe('compareRuns', () => {
  it('gives each run its delta against the first, stage by stage, with better or worse', () => {
    const rows = compareRuns([
      run('a', [stage('c8', 10, 100)]),
      run('b', [stage('c8', 12, 150)]),
      run('c', [stage('other', 1, 1)]),
    ]);
    const reqs = rows.find((r) => r.stage === 'c8' && r.metric === 'req/s')!;
    expect(reqs.cells.map((c) => c.value)).toEqual([10, 12, null]);
    expect(reqs.cells[1]).toMatchObject({ delta: 2, percent: 20, better: true, significant: null });
    expect(reqs.cells[2]).toMatchObject({ delta: null, better: null });
    const ttft = rows.find((r) => r.stage === 'c8' && r.metric === 'TTFT p99 ms')!;
    expect(ttft.cells[1]).toMatchObject({ delta: 50, percent: 50, better: false });
    // Figures no run has (TPOT here) get no row; a stage only one run has gets one.
    expect(rows.some((r) => r.metric.startsWith('TPOT'))).toBe(false);
    expect(rows.some((r) => r.stage === 'other')).toBe(true);
  });

  it('uses 95% intervals when repeated runs gave them: apart or overlapping', () => {
    const ci = (low: number, high: number) => ({
      confidence: {
        'throughput.requestsPerS': { low, high, mean: (low + high) / 2, n: 5 },
        'latencyMs.ttft.p99': 'x',
      },
    });
    const rows = compareRuns([
      run('a', [stage('c8', 10, 100, ci(9, 11))]),
      run('b', [stage('c8', 12, 150, ci(11.5, 12.5))]),
      run('c', [stage('c8', 10.5, 150, ci(10, 11))]),
    ]);
    const reqs = rows.find((r) => r.metric === 'req/s')!;
    expect(reqs.cells[0]!.ci).toMatchObject({ low: 9, high: 11 });
    expect(reqs.cells[1]!.significant).toBe(true);
    expect(reqs.cells[2]!.significant).toBe(false);
    // A malformed interval is ignored, not trusted.
    expect(rows.find((r) => r.metric === 'TTFT p99 ms')!.cells[0]!.ci).toBeNull();
  });
});
