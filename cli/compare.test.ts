import { describe, expect, it } from 'vitest';
import { referencesSchema } from '../core/references';
import type { BenchmarkSummary, StageSummary } from '../core/summary';
import { verdictOf } from '../core/verdict';
import { buildCompare, compareRuns, formatDelta, renderCompare } from './compare';

const latency = (p50: number, p99: number) => ({ p50, p99 }) as unknown as StageSummary['latencyMs']['ttft'];

function stage(name: string, rps: number, ttftP50: number, extra: object = {}): StageSummary {
  return {
    name,
    throughput: { requestsPerS: rps, outputTokensPerS: rps * 10, totalTokensPerS: 0 },
    goodput: null,
    rate: { achievedPerS: rps },
    requests: { ok: 100, failed: 0, errors: {}, sentTotal: 100 },
    latencyMs: { ttft: latency(ttftP50, ttftP50 * 2), tpot: null, itl: null, e2e: null },
    serviceTimeMs: { ttft: null, e2e: null },
    ...extra,
  } as unknown as StageSummary;
}

const env = (hash: string, cpu: string) => ({
  aifb: { version: '0.1.0', commit: 'abcdef0123456789', node: 'v20' },
  recipeHash: hash,
  service: { kind: 'simulator', model: 'aifb-sim', version: null, models: [] },
  nodes: ['n1'],
  jobs: [
    {
      role: 'service',
      name: 's',
      id: '1',
      executor: 'local',
      tasks: [
        { task: 0, hostname: 'n1', cpuModel: cpu, cpus: 2, gpus: { absent: 'nvidia-smi not found on n1' } },
      ],
    },
  ],
});

const summary = (id: string, stages: StageSummary[], extra: object = {}) =>
  ({
    benchmarkId: id,
    recipeName: 'r',
    status: 'completed',
    executor: 'local',
    service: { kind: 'simulator', model: 'aifb-sim', endpoint: null },
    stages,
    ...extra,
  }) as unknown as BenchmarkSummary;

describe('compareRuns', () => {
  const a = summary('A', [stage('c8', 10, 40), stage('c16', 18, 60)]);
  const b = summary('B', [stage('c8', 12, 50)]);
  const { rows, verdict } = compareRuns(a, b, 0.1);

  it('gives B − A and the percent, and says which way is better per metric', () => {
    expect(rows.find((r) => r.stage === 'c8' && r.metric === 'req/s')).toEqual({
      stage: 'c8',
      figure: 'throughput.requestsPerS',
      metric: 'req/s',
      a: 10,
      b: 12,
      delta: 2,
      percent: 20,
      better: true,
      regression: false,
    });
    const ttft = rows.find((r) => r.stage === 'c8' && r.metric === 'TTFT p50 ms')!;
    expect([ttft.delta, ttft.percent, ttft.better, ttft.regression]).toEqual([10, 25, false, true]);
  });

  it('a regression is B worse than A beyond the tolerance on the worse side only', () => {
    expect(verdict.outcome).toBe('fail');
    expect(verdict.checks.filter((c) => !c.pass).map((c) => c.figure)).toEqual([
      'latencyMs.ttft.p50',
      'latencyMs.ttft.p99',
    ]);
    // 10% worse exactly is still within a 10% tolerance.
    const edge = compareRuns(a, summary('B', [stage('c8', 9, 44)]), 0.1);
    expect(edge.verdict.outcome).toBe('pass');
    const slower = compareRuns(a, summary('B', [stage('c8', 8.9, 40)]), 0.1).verdict;
    expect(slower.checks.filter((c) => !c.pass).map((c) => c.figure)).toEqual([
      'throughput.requestsPerS',
      'throughput.outputTokensPerS',
      'rate.achievedPerS',
    ]);
  });

  it('matches stages by name; a stage one side lacks has no deltas and no check', () => {
    const c16 = rows.filter((r) => r.stage === 'c16');
    expect(c16.length).toBeGreaterThan(0);
    expect(
      c16.every((r) => r.b === null && r.delta === null && r.better === null && r.regression === null),
    ).toBe(true);
  });

  it('equal or missing values are neither better nor worse', () => {
    const failed = rows.find((r) => r.stage === 'c8' && r.metric === 'requests failed')!;
    expect([failed.delta, failed.percent, failed.better, failed.regression]).toEqual([0, null, null, false]);
    expect(rows.find((r) => r.metric === 'TPOT p50 ms')?.delta).toBeNull();
  });

  it('uses confidence intervals when both runs have them: overlapping intervals are no regression', () => {
    const ci = (mean: number, lo: number, hi: number) => ({
      intervals: { 'latencyMs.ttft.p50': { mean, ciLow: lo, ciHigh: hi } },
    });
    const ra = summary('A', [stage('c8', 10, 40, ci(40, 36, 44))]);
    // Mean 30% worse, but its interval reaches into A's (widened by 10%): not a regression.
    const noisy = compareRuns(ra, summary('B', [stage('c8', 10, 52, ci(52, 46, 58))]), 0.1);
    expect(noisy.rows.find((r) => r.figure === 'latencyMs.ttft.p50')?.regression).toBe(false);
    // Wholly above A's upper end + 10% (48.4): a regression with confidence.
    const clear = compareRuns(ra, summary('B', [stage('c8', 10, 55, ci(55, 50, 60))]), 0.1);
    expect(clear.rows.find((r) => r.figure === 'latencyMs.ttft.p50')?.regression).toBe(true);
  });
});

describe('buildCompare and its rendering', () => {
  const a = summary('A', [stage('c8', 10, 40)], { environment: env('sha256:1111', 'AMD EPYC 7452') });
  const b = summary('B', [stage('c8', 10, 60)], { environment: env('sha256:2222', 'AMD EPYC 7763') });

  it('names what differs in the environments, then the table with its checks, then the verdict', () => {
    const report = buildCompare(a, b, { tolerance: 0.2 });
    expect(report.regression).toBe(true);
    expect(report.environment.filter((d) => !d.same).map((d) => d.what)).toEqual([
      'recipe hash',
      'service node',
    ]);
    const text = renderCompare(a, b, report);
    expect(text).toContain('environment differs in recipe hash, service node:');
    expect(text).toContain('  recipe hash: A sha256:1111 | B sha256:2222');
    expect(text).toMatch(/TTFT p50 ms.*40.*60.*\+20 \(\+50\.0%\) worse.*REGRESSION/);
    expect(text).toMatch(/req\/s.*10.*10.*0.*ok/);
    expect(text).toContain('B against A (tolerance 20%): REGRESSION (2 of ');
    expect(text).toContain('  c8 TTFT p50: 60 above 48 (reference 40 +20%) [baseline A]');
    expect(formatDelta(report.rows[0]!)).toBe('0 (0.0%)');
  });

  it('the same environment says so; a run against itself passes', () => {
    const report = buildCompare(a, a);
    expect(report.regression).toBe(false);
    expect(renderCompare(a, a, report)).toContain('environment: the same');
  });

  it('one run: its stored verdict; with --refs: against the file; without either: nothing checked', () => {
    const stored = verdictOf([
      {
        stage: 'c8',
        figure: 'latencyMs.ttft.p99',
        label: 'TTFT p99',
        unit: 'ms',
        value: 80,
        reference: { value: 50, lower: null, upper: 0.2, unit: 'ms' },
        bounds: { low: null, high: 60 },
        source: 'last-good',
        from: 'bench-r-prev',
        pass: false,
        reason: '80 above 60 (reference 50 +20%)',
      },
    ]);
    const withVerdict = summary('C', [stage('c8', 10, 40)], { verdict: stored });
    const one = buildCompare(withVerdict, null);
    expect(one).toMatchObject({ regression: true, b: null, rows: [] });
    expect(renderCompare(withVerdict, null, one)).toContain(
      'C against its references (at its run): REGRESSION (1 of 1 checks failed)\n  c8 TTFT p99: 80 above 60 (reference 50 +20%) [last-good bench-r-prev]',
    );
    const refs = referencesSchema.parse({ stages: { c8: { 'throughput.requestsPerS': [9, -0.1, null] } } });
    const judged = buildCompare(a, null, { refs });
    expect(judged.verdicts.refs?.outcome).toBe('pass');
    expect(judged.regression).toBe(false);
    expect(renderCompare(a, null, buildCompare(a, null))).toContain(
      'A: no references (the recipe names none)',
    );
  });
});
