/** `aifb compare A B`: stage by stage (matched by name), B against A, with deltas. */
import Table from 'cli-table3';
import type { BenchmarkSummary, StageSummary } from '../core/summary';

type Direction = 'higher' | 'lower';

const METRICS: [label: string, read: (s: StageSummary) => number | null | undefined, better: Direction][] = [
  ['req/s', (s) => s.throughput.requestsPerS, 'higher'],
  ['output tok/s', (s) => s.throughput.outputTokensPerS, 'higher'],
  ['goodput req/s', (s) => s.goodput?.requestsPerS, 'higher'],
  ['requests failed', (s) => s.requests.failed, 'lower'],
  ['TTFT p50 ms', (s) => s.latencyMs.ttft?.p50, 'lower'],
  ['TTFT p99 ms', (s) => s.latencyMs.ttft?.p99, 'lower'],
  ['TPOT p50 ms', (s) => s.latencyMs.tpot?.p50, 'lower'],
  ['ITL p50 ms', (s) => s.latencyMs.itl?.p50, 'lower'],
  ['E2E p50 ms', (s) => s.latencyMs.e2e?.p50, 'lower'],
  ['E2E p99 ms', (s) => s.latencyMs.e2e?.p99, 'lower'],
];

export interface MetricDelta {
  stage: string;
  metric: string;
  a: number | null;
  b: number | null;
  /** b − a */
  delta: number | null;
  /** (b − a) / a in percent; null when a is 0 or missing. */
  percent: number | null;
  /** Whether B did better on this metric (null: equal or not comparable). */
  better: boolean | null;
}

export function compareSummaries(a: BenchmarkSummary, b: BenchmarkSummary): MetricDelta[] {
  const rows: MetricDelta[] = [];
  const names = [...new Set([...a.stages.map((s) => s.name), ...b.stages.map((s) => s.name)])];
  for (const stage of names) {
    const sa = a.stages.find((s) => s.name === stage);
    const sb = b.stages.find((s) => s.name === stage);
    for (const [metric, read, direction] of METRICS) {
      const va = sa ? (read(sa) ?? null) : null;
      const vb = sb ? (read(sb) ?? null) : null;
      const delta = va !== null && vb !== null ? vb - va : null;
      const percent = delta !== null && va !== null && va !== 0 ? (delta / Math.abs(va)) * 100 : null;
      const better = delta === null || delta === 0 ? null : direction === 'higher' ? delta > 0 : delta < 0;
      rows.push({ stage, metric, a: va, b: vb, delta, percent, better });
    }
  }
  return rows;
}

const num = (v: number | null) => (v === null ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(2));

export function formatDelta(row: MetricDelta): string {
  if (row.delta === null) return '-';
  const sign = row.delta > 0 ? '+' : '';
  const pct = row.percent === null ? '' : ` (${sign}${row.percent.toFixed(1)}%)`;
  const mark = row.better === null ? '' : row.better ? ' better' : ' worse';
  return `${sign}${num(row.delta)}${pct}${mark}`;
}

export function renderCompare(a: BenchmarkSummary, b: BenchmarkSummary): string {
  const table = new Table({
    head: ['stage', 'metric', `A ${a.benchmarkId}`, `B ${b.benchmarkId}`, 'B − A'],
    style: { head: [], border: [] },
  });
  for (const row of compareSummaries(a, b)) {
    table.push([row.stage, row.metric, num(row.a), num(row.b), formatDelta(row)]);
  }
  return [
    `A: ${a.benchmarkId} (${a.recipeName}, ${a.status})`,
    `B: ${b.benchmarkId} (${b.recipeName}, ${b.status})`,
    table.toString(),
  ].join('\n');
}
