/** The report's tables as plain cells, shared by the HTML and the Markdown renderers. */
import type { BenchmarkSummary, StageSummary } from '../core/summary';
import type { ComparedCell, ComparedRow } from './compare';
import { foundCapacity, otherFields } from './extras';

export interface Table {
  head: string[];
  rows: string[][];
}

const fmt = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? '-'
    : Number.isInteger(v) && Math.abs(v) < 1e6
      ? String(v)
      : v.toFixed(digits);

const pair = (a: number | null | undefined, b: number | null | undefined) => `${fmt(a)} / ${fmt(b)}`;

/** What ran, where, and how it ended: one row per field. */
export function runTable(summary: BenchmarkSummary): Table {
  const s = summary.service;
  const rows: string[][] = [
    ['benchmark', summary.benchmarkId],
    ['recipe', summary.recipeName],
    ['status', summary.status],
    ['started / finished', `${summary.startedAt} / ${summary.finishedAt}`],
    ['executor', summary.executor],
    ['service', `${s.kind}, model ${s.model}${s.deployment ? `, deployment ${s.deployment}` : ''}`],
  ];
  if (s.identity?.version) rows.push(['service version', s.identity.version]);
  if (s.timing)
    rows.push(['service queue / start-up s', pair(s.timing.queueWaitMs / 1000, s.timing.startupMs / 1000)]);
  rows.push(['stages', String(summary.stages.length)]);
  const capacity = foundCapacity(summary);
  if (capacity) {
    rows.push([
      'found capacity',
      `${fmt(capacity.ratePerS, 2)} req/s${capacity.concurrency !== null ? `, concurrency ${capacity.concurrency}` : ''}${capacity.stage ? ` (stage ${capacity.stage})` : ''}`,
    ]);
  }
  for (const line of summary.invalid ?? []) rows.push(['invalid', line]);
  if (summary.error) rows.push(['error', summary.error]);
  const on = summary.collectedOn;
  if (on) rows.push(['collected on', `${on.hostname} (${on.cpus} CPUs, Node ${on.node})`]);
  return { head: ['', ''], rows };
}

const load = (s: StageSummary) =>
  s.rate.requestedPerS !== null
    ? `${fmt(s.rate.requestedPerS, 2)}/s${s.concurrency !== null ? ` ≤${s.concurrency}` : ''}`
    : s.concurrency !== null
      ? `c${s.concurrency}`
      : '-';

const validity = (s: StageSummary) =>
  s.validity === undefined
    ? '-'
    : s.validity.valid
      ? 'yes'
      : `no: ${s.validity.failures.map((f) => f.rule).join(', ')}`;

/** One row per stage: the load asked and achieved, throughput, latency percentiles, validity. */
export function stageTable(summary: BenchmarkSummary): Table {
  return {
    head: [
      'stage',
      'mode',
      'load',
      'achieved req/s',
      'ok / failed',
      'req/s',
      'out tok/s',
      'TTFT p50 / p99 ms',
      'TPOT p50 / p99 ms',
      'ITL p50 / p99 ms',
      'E2E p50 / p99 ms',
      'goodput req/s',
      'valid',
    ],
    rows: summary.stages.map((s) => [
      s.name,
      s.mode,
      load(s),
      fmt(s.rate.achievedPerS, 2),
      `${s.requests.ok} / ${s.requests.failed}`,
      fmt(s.throughput.requestsPerS, 2),
      fmt(s.throughput.outputTokensPerS),
      pair(s.latencyMs.ttft?.p50, s.latencyMs.ttft?.p99),
      pair(s.latencyMs.tpot?.p50, s.latencyMs.tpot?.p99),
      pair(s.latencyMs.itl?.p50, s.latencyMs.itl?.p99),
      pair(s.latencyMs.e2e?.p50, s.latencyMs.e2e?.p99),
      s.goodput ? `${fmt(s.goodput.requestsPerS, 2)} (${fmt(s.goodput.fraction * 100)}%)` : '-',
      validity(s),
    ]),
  };
}

function cellText(cell: ComparedCell, digits: number): string {
  let text = fmt(cell.value, digits);
  if (cell.ci) text += ` [${fmt(cell.ci.low, digits)}, ${fmt(cell.ci.high, digits)}]`;
  if (cell.delta !== null) {
    const sign = cell.delta > 0 ? '+' : '';
    text += ` (${sign}${fmt(cell.delta, digits)}`;
    if (cell.percent !== null) text += `, ${sign}${cell.percent.toFixed(1)}%`;
    text += ')';
    if (cell.better !== null) text += cell.better ? ' better' : ' worse';
    if (cell.significant !== null) text += cell.significant ? ', intervals apart' : ', intervals overlap';
  }
  return text;
}

/** Stage × figure rows, one column per run; deltas against the first run. */
export function comparisonTable(summaries: readonly BenchmarkSummary[], rows: readonly ComparedRow[]): Table {
  return {
    head: [
      'stage',
      'figure',
      ...summaries.map((s, i) => (i === 0 ? `${s.benchmarkId} (baseline)` : s.benchmarkId)),
    ],
    rows: rows.map((row) => [row.stage, row.metric, ...row.cells.map((c) => cellText(c, 2))]),
  };
}

/** Fields of the summary this report has no place for (a newer aifb's, e.g. `environment`). */
export function otherTable(summary: BenchmarkSummary): Table | null {
  const rows = otherFields(summary);
  return rows.length === 0 ? null : { head: ['field', 'value'], rows };
}
