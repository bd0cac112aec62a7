/**
 * The optional summary fields a report reads when they are there, checked (zod) rather than
 * trusted, so a summary written by an older or newer aifb renders all the same:
 *
 * - `capacity` (on the summary, or on the stage that found it): `{ ratePerS?, concurrency?,
 *   stage? }`, the SLO capacity search's answer; marked on the latency-throughput curve.
 * - `confidence` on a stage: `{ "<metric path>": { low, high, mean?, n? } }`, 95% intervals of
 *   repeated runs by the path of the figure in the stage (e.g. `throughput.requestsPerS`,
 *   `latencyMs.ttft.p99`); the comparison shows them and whether two runs' intervals overlap.
 * - any other top-level field (e.g. `environment`) is listed as it is, flattened.
 */
import { z } from 'zod';
import type { BenchmarkSummary, StageSummary } from '../core/summary';

const Capacity = z.looseObject({
  ratePerS: z.number().nullable().optional(),
  concurrency: z.number().nullable().optional(),
  stage: z.string().optional(),
});

export interface FoundCapacity {
  /** Where to mark it on the achieved-rate axis. */
  ratePerS: number;
  concurrency: number | null;
  stage: string | null;
}

/** The capacity a search found, as a rate; null when the summary carries none. */
export function foundCapacity(summary: BenchmarkSummary): FoundCapacity | null {
  const candidates: [unknown, StageSummary | null][] = [
    [(summary as { capacity?: unknown }).capacity, null],
    ...summary.stages.map((s): [unknown, StageSummary] => [(s as { capacity?: unknown }).capacity, s]),
  ];
  for (const [value, owner] of candidates) {
    const parsed = Capacity.safeParse(value);
    if (!parsed.success) continue;
    const stageName = parsed.data.stage ?? owner?.name ?? null;
    const stage = summary.stages.find((s) => s.name === stageName) ?? owner;
    const ratePerS = parsed.data.ratePerS ?? stage?.rate.achievedPerS ?? null;
    if (ratePerS === null || !Number.isFinite(ratePerS)) continue;
    return { ratePerS, concurrency: parsed.data.concurrency ?? null, stage: stageName };
  }
  return null;
}

const Interval = z.looseObject({
  low: z.number(),
  high: z.number(),
  mean: z.number().optional(),
  n: z.number().optional(),
});
export type ConfidenceInterval = z.infer<typeof Interval>;

/** A stage's 95% interval for the figure at `path`, when repeated runs gave one. */
export function confidenceOf(stage: StageSummary, path: string): ConfidenceInterval | null {
  const all = (stage as { confidence?: unknown }).confidence;
  if (!all || typeof all !== 'object') return null;
  const parsed = Interval.safeParse((all as Record<string, unknown>)[path]);
  return parsed.success ? parsed.data : null;
}

/** The number at a dotted path of a stage summary (`latencyMs.ttft.p99`); null when absent. */
export function valueAt(stage: StageSummary, path: string): number | null {
  let at: unknown = stage;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return null;
    at = (at as Record<string, unknown>)[part];
  }
  return typeof at === 'number' && Number.isFinite(at) ? at : null;
}

/** Top-level summary fields this report draws itself; the rest are listed as they are. */
const KNOWN = new Set([
  'schema',
  'benchmarkId',
  'recipeName',
  'status',
  'invalid',
  'clientsQueueWaitMs',
  'startedAt',
  'finishedAt',
  'executor',
  'service',
  'stages',
  'collectedOn',
  'error',
  'capacity',
]);

/** `[dotted key, text]` of every field the report has no place for, at most `limit` rows. */
export function otherFields(summary: BenchmarkSummary, limit = 200): [string, string][] {
  const rows: [string, string][] = [];
  const walk = (key: string, value: unknown, depth: number) => {
    if (rows.length >= limit) return;
    if (value !== null && typeof value === 'object' && depth < 4) {
      const entries = Array.isArray(value)
        ? value.map((v, i) => [String(i), v] as const)
        : Object.entries(value);
      if (entries.length === 0) rows.push([key, Array.isArray(value) ? '[]' : '{}']);
      for (const [k, v] of entries) walk(`${key}.${k}`, v, depth + 1);
      return;
    }
    rows.push([key, typeof value === 'string' ? value : JSON.stringify(value)]);
  };
  for (const [key, value] of Object.entries(summary)) if (!KNOWN.has(key)) walk(key, value, 0);
  return rows;
}
