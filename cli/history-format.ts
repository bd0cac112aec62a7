/** `aifb history RECIPE`: the recipe's runs, oldest first, one row per run and stage (trends at a glance). */
import Table from 'cli-table3';
import { figureOf } from '../core/figures';
import type { HistoryEntry } from '../core/history';
import { isGood } from '../core/history';

const COLUMNS: [head: string, path: string][] = [
  ['req/s', 'throughput.requestsPerS'],
  ['TTFT p50 ms', 'latencyMs.ttft.p50'],
  ['TTFT p99 ms', 'latencyMs.ttft.p99'],
  ['TPOT p50 ms', 'latencyMs.tpot.p50'],
  ['E2E p99 ms', 'latencyMs.e2e.p99'],
  ['failed', 'requests.failed'],
];

const num = (v: number | undefined) =>
  v === undefined ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(2);

export function renderHistory(recipe: string, entries: readonly HistoryEntry[]): string {
  if (entries.length === 0) return `no runs of ${recipe} in its history yet`;
  const table = new Table({
    head: ['finished', 'benchmark', 'status', 'verdict', 'recipe', 'stage', ...COLUMNS.map(([h]) => h)],
    style: { head: [], border: [] },
  });
  for (const e of entries) {
    const verdict = e.verdict
      ? `${e.verdict.outcome}${e.verdict.failed ? ` (${e.verdict.failed})` : ''}`
      : '-';
    const status = `${e.status}${isGood(e) ? ' *' : ''}`;
    const hash = e.recipeHash ? e.recipeHash.replace(/^sha256:/, '').slice(0, 8) : '-';
    const stages = e.stages.length > 0 ? e.stages : [{ name: '-', figures: {} }];
    for (const s of stages) {
      table.push([
        e.finishedAt.replace('T', ' ').slice(0, 19),
        e.benchmarkId,
        status,
        verdict,
        hash,
        s.name,
        ...COLUMNS.map(([, path]) => num(figureOf({ ...s.figures }, path)?.value)),
      ]);
    }
  }
  return `${table.toString()}\n* a good run (completed, no failed reference check): what lastGood compares with, within the same recipe hash`;
}
