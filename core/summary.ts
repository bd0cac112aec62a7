/**
 * Turns client results into the stage and benchmark summaries (summary.json, results.csv).
 * Pure: the collectMetrics activity does the I/O around it.
 */
import { type LatencySummary, mergeEncoded, summarize } from '../loadgen/histograms';
import type { ClientResult } from './loadgen-protocol';

export const SUMMARY_SCHEMA = 'aifb.summary/v1';

export interface StageSummary {
  index: number;
  name: string;
  mode: string;
  concurrency: number;
  clientsExpected: number;
  clientsReported: number;
  /** Mean measured window across clients, seconds. */
  windowS: number;
  requests: { ok: number; failed: number; errors: Record<string, number>; sentTotal: number };
  throughput: { requestsPerS: number; outputTokensPerS: number; totalTokensPerS: number };
  /** Requests per second meeting every SLO; null when the recipe sets none. */
  goodput: { requestsPerS: number; fraction: number } | null;
  tokens: { input: number; output: number; streamChunks: number; usageMissing: number };
  /** Milliseconds; null when no request completed. ITL is per chunk (see README). */
  latencyMs: {
    ttft: LatencySummary | null;
    tpot: LatencySummary | null;
    itl: LatencySummary | null;
    e2e: LatencySummary | null;
  };
}

export interface StageMeta {
  index: number;
  name: string;
  mode: string;
  concurrency: number;
  clientsExpected: number;
  hasSlo: boolean;
}

function latency(results: ClientResult[], key: keyof ClientResult['histograms']): LatencySummary | null {
  const merged = summarize(mergeEncoded(results.map((r) => r.histograms[key])));
  return merged.count === 0 ? null : merged;
}

export function summarizeStage(meta: StageMeta, results: ClientResult[]): StageSummary {
  const sum = (f: (r: ClientResult) => number) => results.reduce((acc, r) => acc + f(r), 0);
  // Each client's rate over its own window, summed: clients start a little apart, and this
  // keeps one slow starter from stretching everybody's window.
  const rate = (f: (r: ClientResult) => number) =>
    sum((r) => {
      const seconds = (r.windowEndMs - r.windowStartMs) / 1000;
      return seconds > 0 ? f(r) / seconds : 0;
    });
  const errors: Record<string, number> = {};
  for (const r of results) {
    for (const [kind, n] of Object.entries(r.measured.errors)) errors[kind] = (errors[kind] ?? 0) + n;
  }
  const ok = sum((r) => r.measured.ok);
  const goodOk = sum((r) => r.measured.goodOk);
  return {
    index: meta.index,
    name: meta.name,
    mode: meta.mode,
    concurrency: meta.concurrency,
    clientsExpected: meta.clientsExpected,
    clientsReported: results.length,
    windowS: results.length ? sum((r) => (r.windowEndMs - r.windowStartMs) / 1000) / results.length : 0,
    requests: { ok, failed: sum((r) => r.measured.failed), errors, sentTotal: sum((r) => r.total.sent) },
    throughput: {
      requestsPerS: rate((r) => r.measured.ok),
      outputTokensPerS: rate((r) => r.measured.outputTokens),
      totalTokensPerS: rate((r) => r.measured.outputTokens + r.measured.inputTokens),
    },
    goodput: meta.hasSlo
      ? { requestsPerS: rate((r) => r.measured.goodOk), fraction: ok > 0 ? goodOk / ok : 0 }
      : null,
    tokens: {
      input: sum((r) => r.measured.inputTokens),
      output: sum((r) => r.measured.outputTokens),
      streamChunks: sum((r) => r.measured.streamChunks),
      usageMissing: sum((r) => r.measured.usageMissing),
    },
    latencyMs: {
      ttft: latency(results, 'ttft'),
      tpot: latency(results, 'tpot'),
      itl: latency(results, 'itl'),
      e2e: latency(results, 'e2e'),
    },
  };
}

export interface BenchmarkSummary {
  schema: typeof SUMMARY_SCHEMA;
  benchmarkId: string;
  recipeName: string;
  /** stopped: ended early by the stop signal; failed/cancelled: the stages that finished are kept. */
  status: 'completed' | 'stopped' | 'failed' | 'cancelled';
  startedAt: string;
  finishedAt: string;
  executor: string;
  service: { kind: string; model: string; endpoint: string | null };
  stages: StageSummary[];
  /** Where the worker that collected the results ran. */
  collectedOn: { hostname: string; cpus: number; node: string };
  error?: string;
}

const num = (n: number | null | undefined, digits = 3) =>
  n === null || n === undefined ? '' : n.toFixed(digits);

type Column = [name: string, cell: (stage: StageSummary, benchmarkId: string) => string];

const latencyColumns = (['ttft', 'tpot', 'itl', 'e2e'] as const).flatMap((metric) =>
  (['p50', 'p90', 'p99'] as const).map(
    (p): Column => [`${metric}_${p}_ms`, (s) => num(s.latencyMs[metric]?.[p])],
  ),
);

/** results.csv columns, in order. Append new ones at the end: scripts read these by position too. */
const CSV: Column[] = [
  ['benchmark_id', (_, id) => id],
  ['stage', (s) => s.name],
  ['mode', (s) => s.mode],
  ['concurrency', (s) => String(s.concurrency)],
  ['clients', (s) => String(s.clientsReported)],
  ['window_s', (s) => num(s.windowS)],
  ['requests_ok', (s) => String(s.requests.ok)],
  ['requests_failed', (s) => String(s.requests.failed)],
  ['requests_per_s', (s) => num(s.throughput.requestsPerS)],
  ['output_tokens_per_s', (s) => num(s.throughput.outputTokensPerS)],
  ['total_tokens_per_s', (s) => num(s.throughput.totalTokensPerS)],
  ['goodput_per_s', (s) => num(s.goodput?.requestsPerS)],
  ...latencyColumns,
];

export const CSV_COLUMNS: readonly string[] = CSV.map(([name]) => name);

/** results.csv: one row per stage. */
export function toCsv(summary: BenchmarkSummary): string {
  const rows = summary.stages.map((stage) =>
    CSV.map(([, cell]) => cell(stage, summary.benchmarkId)).join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}
