/**
 * The figures of a stage that references, regressions, compare and the results history speak
 * of, named by their dotted path in summary.json's `stages[]` (e.g. `latencyMs.ttft.p99`), each
 * with its unit and which way is better. Pure.
 *
 * A figure is a number at its path, or an interval `{ mean, ciLow, ciHigh }` (repeated runs: a
 * mean with its 95% confidence interval), either at the path itself or in the stage's
 * `intervals` map under the same path. Whoever adds intervals to the summary only has to put
 * them in one of those two places for references and compare to use them.
 */

export type Better = 'higher' | 'lower';

export interface FigureDef {
  /** Dotted path in a stage summary. */
  path: string;
  /** Short name for tables, e.g. `TTFT p99`. */
  label: string;
  unit: string;
  better: Better;
}

const LATENCY_FAMILIES: [path: string, label: string][] = [
  ['latencyMs.ttft', 'TTFT'],
  ['latencyMs.tpot', 'TPOT'],
  ['latencyMs.itl', 'ITL'],
  ['latencyMs.itlPerToken', 'ITL/token'],
  ['latencyMs.e2e', 'E2E'],
  ['serviceTimeMs.ttft', 'TTFT service'],
  ['serviceTimeMs.e2e', 'E2E service'],
  ['scheduleLagMs', 'schedule lag'],
  ['serverTimings.tpotMs', 'server TPOT'],
  ['serverTimings.promptMs', 'server prefill'],
];
const LATENCY_STATS = ['mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;

const OTHER: FigureDef[] = [
  { path: 'throughput.requestsPerS', label: 'req/s', unit: 'req/s', better: 'higher' },
  { path: 'throughput.outputTokensPerS', label: 'output tok/s', unit: 'tok/s', better: 'higher' },
  { path: 'throughput.totalTokensPerS', label: 'total tok/s', unit: 'tok/s', better: 'higher' },
  { path: 'goodput.requestsPerS', label: 'goodput req/s', unit: 'req/s', better: 'higher' },
  { path: 'goodput.fraction', label: 'SLO met fraction', unit: 'ratio', better: 'higher' },
  { path: 'rate.achievedPerS', label: 'rate achieved', unit: 'req/s', better: 'higher' },
  { path: 'requests.ok', label: 'requests ok', unit: 'requests', better: 'higher' },
  { path: 'requests.failed', label: 'requests failed', unit: 'requests', better: 'lower' },
  { path: 'requests.reconnects', label: 'reconnects', unit: 'requests', better: 'lower' },
  { path: 'system.joulesPerOutputToken', label: 'J/output token', unit: 'J/token', better: 'lower' },
  { path: 'system.energyJ', label: 'GPU energy', unit: 'J', better: 'lower' },
  { path: 'system.process.cpuCoresMean', label: 'service CPU cores', unit: 'cores', better: 'lower' },
  { path: 'system.process.rssMaxBytes', label: 'service RSS max', unit: 'bytes', better: 'lower' },
];

/** Every figure a reference may name, by path. */
export const FIGURES: ReadonlyMap<string, FigureDef> = new Map(
  [
    ...OTHER,
    ...LATENCY_FAMILIES.flatMap(([family, label]) =>
      LATENCY_STATS.map(
        (stat): FigureDef => ({
          path: `${family}.${stat}`,
          label: `${label} ${stat}`,
          unit: 'ms',
          better: 'lower',
        }),
      ),
    ),
  ].map((f) => [f.path, f]),
);

/**
 * What the results history keeps of each stage and what "the last good run" checks by default:
 * the figures people ask "did it get worse?" about.
 */
export const HEADLINE_FIGURES: readonly string[] = [
  'throughput.requestsPerS',
  'throughput.outputTokensPerS',
  'goodput.requestsPerS',
  'requests.failed',
  'latencyMs.ttft.p50',
  'latencyMs.ttft.p99',
  'latencyMs.tpot.p50',
  'latencyMs.tpot.p99',
  'latencyMs.itl.p50',
  'latencyMs.e2e.p50',
  'latencyMs.e2e.p99',
  'system.joulesPerOutputToken',
];

/** A figure as measured: a value, and its 95% confidence interval when the run was repeated. */
export interface Figure {
  value: number;
  interval?: { low: number; high: number };
}

/** The `{ mean, ciLow, ciHigh }` shape repeated runs give a figure. */
export interface IntervalFigure {
  mean: number;
  ciLow: number;
  ciHigh: number;
}

function isIntervalFigure(v: unknown): v is IntervalFigure {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return [o.mean, o.ciLow, o.ciHigh].every((n) => typeof n === 'number' && Number.isFinite(n));
}

function at(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split('.')) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function asFigure(v: unknown): Figure | null {
  if (typeof v === 'number' && Number.isFinite(v)) return { value: v };
  if (isIntervalFigure(v)) return { value: v.mean, interval: { low: v.ciLow, high: v.ciHigh } };
  return null;
}

/** The figure at `path` of a stage summary, or of a flat map of figures; null when absent. */
export function figureOf(stage: object, path: string): Figure | null {
  // A flat map keyed by the whole path (the results history's `figures`) reads the same way.
  const own = asFigure((stage as Record<string, unknown>)[path]) ?? asFigure(at(stage, path));
  const intervals = (stage as { intervals?: unknown }).intervals;
  const side =
    intervals && typeof intervals === 'object'
      ? asFigure((intervals as Record<string, unknown>)[path])
      : null;
  if (own?.interval || !side?.interval) return own ?? side;
  // A point at the path and its interval beside it: the interval speaks for the figure.
  return { value: own?.value ?? side.value, interval: side.interval };
}

/** The headline figures of a stage (and `extra` ones) as a flat map: what the results history keeps. */
export function headlineFigures(
  stage: object,
  extra: readonly string[] = [],
): Record<string, number | IntervalFigure> {
  const out: Record<string, number | IntervalFigure> = {};
  for (const path of new Set([...HEADLINE_FIGURES, ...extra])) {
    const f = figureOf(stage, path);
    if (!f) continue;
    out[path] = f.interval ? { mean: f.value, ciLow: f.interval.low, ciHigh: f.interval.high } : f.value;
  }
  return out;
}
