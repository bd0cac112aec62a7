/**
 * The results history of a recipe: one JSON line per finished run (data/history/<recipe>.jsonl),
 * appended when its results are written; trends and "the last good run" read it. Pure: the file
 * I/O is core/node/history-file.ts.
 */
import { headlineFigures, type IntervalFigure } from './figures';
import type { BenchmarkSummary, RunEnvironment } from './summary-format';

export const HISTORY_SCHEMA = 'aifb.history/v1';

export interface HistoryEntry {
  schema: typeof HISTORY_SCHEMA;
  benchmarkId: string;
  recipeName: string;
  /** RunEnvironment.recipeHash: runs with the same hash asked for the same thing. */
  recipeHash: string | null;
  status: BenchmarkSummary['status'];
  startedAt: string;
  finishedAt: string;
  executor: string;
  aifb: RunEnvironment['aifb'] | null;
  service: { kind: string; model: string; version: string | null };
  /** Hostnames, and the GPUs in short ("4x NVIDIA A100-SXM4-40GB, driver 550.54") or why none. */
  nodes: string[];
  gpus: string | null;
  verdict: { outcome: 'pass' | 'fail' | 'none'; checked: number; failed: number } | null;
  stages: HistoryStage[];
}

export interface HistoryStage {
  name: string;
  mode: string;
  valid: boolean | null;
  /** The headline figures by path (core/figures.ts), an interval where the run had one. */
  figures: Record<string, number | IntervalFigure>;
}

/** The service job's GPUs in a few words, or why there are none. */
export function gpuLine(env: RunEnvironment | undefined): string | null {
  const service = env?.jobs.find((j) => j.role === 'service' || j.role === 'deployment-service');
  const task = service?.tasks[0];
  if (!task) return null;
  if ('absent' in task.gpus) return `none (${task.gpus.absent})`;
  const g = task.gpus;
  return `${g.count}x ${g.models.join(' + ')}${g.driver ? `, driver ${g.driver}` : ''}`;
}

/** A run's history line; `figures`: paths kept beside the headline ones (those its references name). */
export function historyEntryOf(summary: BenchmarkSummary, figures: readonly string[] = []): HistoryEntry {
  const env = summary.environment;
  return {
    schema: HISTORY_SCHEMA,
    benchmarkId: summary.benchmarkId,
    recipeName: summary.recipeName,
    recipeHash: env?.recipeHash ?? null,
    status: summary.status,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    executor: summary.executor,
    aifb: env?.aifb ?? null,
    service: {
      kind: summary.service.kind,
      model: summary.service.model,
      version: summary.service.identity?.version ?? null,
    },
    nodes: env?.nodes ?? [],
    gpus: gpuLine(env),
    verdict: summary.verdict
      ? { outcome: summary.verdict.outcome, checked: summary.verdict.checked, failed: summary.verdict.failed }
      : null,
    stages: summary.stages.map((s) => ({
      name: s.name,
      mode: s.mode,
      valid: s.validity?.valid ?? null,
      figures: headlineFigures(s, figures),
    })),
  };
}

/**
 * The entries of a history file, oldest first. Lines that do not parse (a torn last line, a
 * foreign edit) are skipped; a run written twice (a retried or failed-after-written run) counts
 * once, as its last line says, in the place of its first.
 */
export function parseHistory(text: string): HistoryEntry[] {
  const byId = new Map<string, HistoryEntry>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as HistoryEntry;
      if (entry?.schema !== HISTORY_SCHEMA || typeof entry.benchmarkId !== 'string') continue;
      byId.set(entry.benchmarkId, entry);
    } catch {
      // not a whole entry
    }
  }
  return [...byId.values()];
}

/**
 * A good run: it completed (every stage valid) and no reference check of its own failed.
 * Stopped, invalid, failed and cancelled runs never become the reference.
 */
export function isGood(entry: HistoryEntry): boolean {
  return entry.status === 'completed' && entry.verdict?.outcome !== 'fail';
}

/** The newest good run of the same recipe hash, other than `excludeId`. */
export function lastGood(
  entries: readonly HistoryEntry[],
  recipeHash: string | null,
  excludeId?: string,
): HistoryEntry | undefined {
  return entries
    .filter((e) => e.benchmarkId !== excludeId && isGood(e) && e.recipeHash === recipeHash)
    .sort((a, b) => a.finishedAt.localeCompare(b.finishedAt))
    .at(-1);
}
