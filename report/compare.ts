/**
 * The comparison view of several runs: stage by stage (matched by name), each run against the
 * first (the baseline), with the 95% intervals of repeated runs when the summaries carry them.
 */
import type { BenchmarkSummary } from '../core/summary';
import { type ConfidenceInterval, confidenceOf, valueAt } from './extras';

export const COMPARED: { label: string; path: string; better: 'higher' | 'lower' }[] = [
  { label: 'achieved rate req/s', path: 'rate.achievedPerS', better: 'higher' },
  { label: 'req/s', path: 'throughput.requestsPerS', better: 'higher' },
  { label: 'output tok/s', path: 'throughput.outputTokensPerS', better: 'higher' },
  { label: 'goodput req/s', path: 'goodput.requestsPerS', better: 'higher' },
  { label: 'requests failed', path: 'requests.failed', better: 'lower' },
  { label: 'TTFT p50 ms', path: 'latencyMs.ttft.p50', better: 'lower' },
  { label: 'TTFT p99 ms', path: 'latencyMs.ttft.p99', better: 'lower' },
  { label: 'TPOT p50 ms', path: 'latencyMs.tpot.p50', better: 'lower' },
  { label: 'TPOT p99 ms', path: 'latencyMs.tpot.p99', better: 'lower' },
  { label: 'ITL p50 ms', path: 'latencyMs.itl.p50', better: 'lower' },
  { label: 'E2E p50 ms', path: 'latencyMs.e2e.p50', better: 'lower' },
  { label: 'E2E p99 ms', path: 'latencyMs.e2e.p99', better: 'lower' },
];

export interface ComparedCell {
  value: number | null;
  ci: ConfidenceInterval | null;
  /** Against the baseline (the first run); null for the baseline itself or when not comparable. */
  delta: number | null;
  percent: number | null;
  better: boolean | null;
  /** Both intervals known: whether they are disjoint (a difference the repeats support). */
  significant: boolean | null;
}

export interface ComparedRow {
  stage: string;
  metric: string;
  path: string;
  cells: ComparedCell[];
}

export function compareRuns(summaries: readonly BenchmarkSummary[]): ComparedRow[] {
  const names = [...new Set(summaries.flatMap((s) => s.stages.map((st) => st.name)))];
  const rows: ComparedRow[] = [];
  for (const stage of names) {
    const stages = summaries.map((s) => s.stages.find((st) => st.name === stage) ?? null);
    for (const { label, path, better } of COMPARED) {
      const values = stages.map((st) => (st ? valueAt(st, path) : null));
      if (values.every((v) => v === null)) continue;
      const cis = stages.map((st) => (st ? confidenceOf(st, path) : null));
      const base = values[0] ?? null;
      const cells = values.map((value, i): ComparedCell => {
        const delta = i > 0 && base !== null && value !== null ? value - base : null;
        const a = cis[0] ?? null;
        const b = cis[i] ?? null;
        return {
          value,
          ci: b,
          delta,
          percent: delta !== null && base !== null && base !== 0 ? (delta / Math.abs(base)) * 100 : null,
          better: delta === null || delta === 0 ? null : better === 'higher' ? delta > 0 : delta < 0,
          significant: i > 0 && a && b ? a.high < b.low || b.high < a.low : null,
        };
      });
      rows.push({ stage, metric: label, path, cells });
    }
  }
  return rows;
}
