/**
 * Where the Temporal server's time went during a bench round (bench/orchestration.ts): its own
 * Prometheus metrics before and after, summed per operation. Persistence time says what the
 * database did (SQLite in the dev server), request counts what the workers and clients asked.
 */
import { parsePromText } from '../telemetry/prom-text';

/** Per operation: calls and seconds spent, summed over the samples' other labels. */
export type OperationTotals = Map<string, { count: number; seconds: number }>;

export interface ServerSnapshot {
  persistence: OperationTotals;
  requests: OperationTotals;
}

function totals(text: string, metric: string, only?: Record<string, string>): OperationTotals {
  const out: OperationTotals = new Map();
  for (const s of parsePromText(text).samples) {
    const kind = s.name === `${metric}_sum` ? 'seconds' : s.name === `${metric}_count` ? 'count' : null;
    if (!kind) continue;
    if (only && Object.entries(only).some(([k, v]) => s.labels[k] !== v)) continue;
    const op = s.labels.operation ?? '?';
    const entry = out.get(op) ?? { count: 0, seconds: 0 };
    entry[kind] += s.value;
    out.set(op, entry);
  }
  return out;
}

export function serverSnapshot(metricsText: string): ServerSnapshot {
  return {
    persistence: totals(metricsText, 'persistence_latency'),
    // What reached the frontend: the workers' polls, completions, heartbeats, queries, the bench's lists.
    requests: totals(metricsText, 'service_latency', { service_name: 'frontend' }),
  };
}

function delta(a: OperationTotals, b: OperationTotals): OperationTotals {
  const out: OperationTotals = new Map();
  for (const [op, after] of b) {
    const before = a.get(op) ?? { count: 0, seconds: 0 };
    const d = { count: after.count - before.count, seconds: after.seconds - before.seconds };
    if (d.count > 0) out.set(op, d);
  }
  return out;
}

/** "Op calls/s (seconds)" of the `top` operations by calls, over `seconds` of wall time. */
function describe(ops: OperationTotals, seconds: number, top: number, by: 'count' | 'seconds'): string {
  return [...ops]
    .sort((x, y) => y[1][by] - x[1][by])
    .slice(0, top)
    .map(([op, t]) => `${op} ${(t.count / seconds).toFixed(1)}/s (${t.seconds.toFixed(0)} s)`)
    .join(', ');
}

/** Two lines: the frontend's busiest requests, and the database's costliest operations. */
export function serverBreakdown(before: ServerSnapshot, after: ServerSnapshot, seconds: number): string[] {
  const requests = delta(before.requests, after.requests);
  const persistence = delta(before.persistence, after.persistence);
  const dbSeconds = [...persistence.values()].reduce((sum, t) => sum + t.seconds, 0);
  return [
    `server requests: ${describe(requests, seconds, 8, 'count')}`,
    `database: ${((dbSeconds / seconds) * 100).toFixed(0)}% of the wall time in persistence calls; ${describe(persistence, seconds, 8, 'seconds')}`,
  ];
}
