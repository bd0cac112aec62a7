/** The results table `aifb run` and `aifb results` print: metrics as rows, one column per stage. */
import Table from 'cli-table3';
import type { BenchmarkSummary, StageSummary } from '../core/summary';
import type { LatencySummary } from '../loadgen/histograms';

const fmt = (n: number | undefined | null, digits = 1) =>
  n === undefined || n === null ? '-' : n.toFixed(digits);
const pair = (l: LatencySummary | null) => (l ? `${fmt(l.p50)} / ${fmt(l.p99)}` : '-');

const ROWS: [string, (s: StageSummary) => string][] = [
  ['requests ok / failed', (s) => `${s.requests.ok} / ${s.requests.failed}`],
  ['req/s', (s) => fmt(s.throughput.requestsPerS, 2)],
  ['output tok/s', (s) => fmt(s.throughput.outputTokensPerS, 1)],
  [
    'goodput req/s (SLO met %)',
    (s) => (s.goodput ? `${fmt(s.goodput.requestsPerS, 2)} (${fmt(s.goodput.fraction * 100)}%)` : '-'),
  ],
  ['TTFT p50 / p99 ms', (s) => pair(s.latencyMs.ttft)],
  ['TPOT p50 / p99 ms', (s) => pair(s.latencyMs.tpot)],
  ['ITL p50 / p99 ms', (s) => pair(s.latencyMs.itl)],
  ['E2E p50 / p99 ms', (s) => pair(s.latencyMs.e2e)],
  ['clients reported', (s) => `${s.clientsReported} / ${s.clientsExpected}`],
  ['measured window s', (s) => fmt(s.windowS)],
];

export function renderResultsTable(summary: BenchmarkSummary, color = false): string {
  const table = new Table({
    head: ['', ...summary.stages.map((s) => `${s.name} (${s.mode} ${s.concurrency})`)],
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] },
  });
  for (const [label, value] of ROWS) table.push([label, ...summary.stages.map(value)]);
  const errors = summary.stages.flatMap((s) =>
    Object.entries(s.requests.errors).map(([kind, n]) => `${s.name}: ${kind} x${n}`),
  );
  const lines = [
    `benchmark ${summary.benchmarkId} (${summary.recipeName}) ${summary.status}; service ${summary.service.kind} model ${summary.service.model}`,
    table.toString(),
  ];
  if (errors.length) lines.push(`errors: ${errors.join(', ')}`);
  if (summary.error) lines.push(`error: ${summary.error}`);
  return lines.join('\n');
}
