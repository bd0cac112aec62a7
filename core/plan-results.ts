/**
 * What a run's sweeps, capacity searches and repetitions amount to (summary `searches`,
 * `sweeps`, `repeats`), from the recipe and the stage summaries, whose `origin` says which
 * recipe stage made each. Pure: writeResults calls it.
 */
import { expectedCapacity, nextProbe, sloTable } from './capacity-search';
import type { Recipe } from './recipe';
import { recipeStageName } from './recipe-read';
import { searchFloor, searchProbes, sweepBounds, sweepProblem } from './stage-plan';
import { meanInterval } from './stats';
import type {
  BenchmarkSummary,
  CapacitySearchResult,
  Interval,
  RepeatFigure,
  RepeatSummary,
  StageSummary,
  SweepResult,
} from './summary-format';

type PlanRecipe = Pick<Recipe, 'workload' | 'service'>;

/** The stages of recipe stage `index` in `repetition`, rebuilt as records for stage-plan. */
function recordsFor(stages: readonly StageSummary[], index: number, repetition: number) {
  return stages
    .filter((s) => s.origin?.recipeIndex === index && (s.origin.repetition ?? 1) === repetition)
    .map((summary) => ({ summary, planned: { spec: specOf(summary), origin: summary.origin! } }));
}

/** A probe's or sweep stage's load as its summary records it (what stage-plan reads back). */
function specOf(s: StageSummary) {
  const common = { name: s.name, warmup: 0, cooldown: 0, stopWhenOversaturated: false };
  if (s.rate.requestedPerS !== null)
    return { ...common, mode: 'constant' as const, rate: s.rate.requestedPerS };
  return { ...common, mode: 'concurrency' as const, concurrency: s.concurrency ?? 1 };
}

/** Every repetition a run went through (1 when nothing repeats), as stage origins say. */
function repetitionsOf(stages: readonly StageSummary[]): number[] {
  const seen = new Set(stages.map((s) => s.origin?.repetition ?? 1));
  return [...seen].sort((a, b) => a - b);
}

export function searchResults(recipe: PlanRecipe, stages: readonly StageSummary[]): CapacitySearchResult[] {
  const out: CapacitySearchResult[] = [];
  const repeated = recipe.workload.repeat.count > 1;
  for (const repetition of repetitionsOf(stages)) {
    recipe.workload.stages.forEach((s, index) => {
      if (s.mode !== 'capacity-search') return;
      const records = recordsFor(stages, index, repetition);
      if (records.length === 0) return;
      const verdicts = searchProbes(s, records);
      const step = nextProbe(s, verdicts, searchFloor(s, recipe.workload.clients.count));
      const failed = verdicts.filter((v) => !v.passed).map((v) => v.value);
      const lowestFailed = failed.length ? Math.min(...failed) : null;
      const passedBelow = verdicts
        .filter((v) => v.passed && (lowestFailed === null || v.value < lowestFailed))
        .map((v) => v.value);
      const expected = expectedCapacity(recipe, s.vary);
      out.push({
        stage: recipeStageName(s, index),
        ...(repeated ? { repetition } : {}),
        vary: s.vary,
        unit: s.vary === 'rate' ? 'req/s' : 'in flight',
        status: step.kind === 'done' ? step.status : 'stopped',
        capacity: step.kind === 'done' ? step.capacity : passedBelow.length ? Math.max(...passedBelow) : null,
        lowestFailed,
        slo: sloTable(s.slo),
        tolerance: s.tolerance,
        probes: verdicts.map((v, k) => ({ stage: records[k]!.summary.name, ...v })),
        ...(expected ? { expected } : {}),
      });
    });
  }
  return out;
}

export function sweepResults(recipe: PlanRecipe, stages: readonly StageSummary[]): SweepResult[] {
  const out: SweepResult[] = [];
  const repeated = recipe.workload.repeat.count > 1;
  for (const repetition of repetitionsOf(stages)) {
    recipe.workload.stages.forEach((s, index) => {
      if (s.mode !== 'sweep') return;
      const records = recordsFor(stages, index, repetition);
      if (records.length === 0) return;
      const measured = s.steps !== undefined ? sweepBounds(records) : { lo: null, hi: null };
      const problem =
        s.steps !== undefined && records.length >= 2 ? sweepProblem(measured.lo, measured.hi) : null;
      const made = records.map((r) => r.summary);
      out.push({
        stage: recipeStageName(s, index),
        ...(repeated ? { repetition } : {}),
        synchronousPerS: measured.lo,
        throughputPerS: measured.hi,
        rates: made.filter((m) => m.origin?.role === 'rate').map((m) => m.rate.requestedPerS ?? 0),
        concurrencies: made.filter((m) => m.origin?.role === 'concurrency').map((m) => m.concurrency ?? 0),
        stages: made.map((m) => m.name),
        ...(problem ? { note: `no rates: ${problem}` } : {}),
      });
    });
  }
  return out;
}

/** How each averaged figure is read from a stage summary (null: the stage has none). */
export const REPEAT_FIGURES: Record<RepeatFigure, (s: StageSummary) => number | null | undefined> = {
  requestsPerS: (s) => s.throughput.requestsPerS,
  outputTokensPerS: (s) => s.throughput.outputTokensPerS,
  goodputPerS: (s) => s.goodput?.requestsPerS,
  errorPct: (s) => (s.requests.sent > 0 ? (s.requests.failed / s.requests.sent) * 100 : null),
  ttftP50Ms: (s) => s.latencyMs.ttft?.p50,
  ttftP99Ms: (s) => s.latencyMs.ttft?.p99,
  tpotP50Ms: (s) => s.latencyMs.tpot?.p50,
  tpotP99Ms: (s) => s.latencyMs.tpot?.p99,
  itlP50Ms: (s) => s.latencyMs.itl?.p50,
  itlP99Ms: (s) => s.latencyMs.itl?.p99,
  e2eP50Ms: (s) => s.latencyMs.e2e?.p50,
  e2eP99Ms: (s) => s.latencyMs.e2e?.p99,
};

const CONFIDENCE = 0.95;

function interval(values: readonly number[]): Interval | null {
  if (values.length === 0) return null;
  const { confidence: _, ...rest } = meanInterval(values, CONFIDENCE);
  return rest;
}

/**
 * Each stage series' figures over its repetitions: mean and 95% Student-t interval, with n the
 * repetitions that have the figure. Stages of a sweep or search whose repetitions made
 * different stages are grouped by their name without the suffix all the same.
 */
export function repeatSummary(
  recipe: PlanRecipe,
  stages: readonly StageSummary[],
  searches: readonly CapacitySearchResult[],
): RepeatSummary | undefined {
  const { count, fresh } = recipe.workload.repeat;
  if (count <= 1) return undefined;
  const series = new Map<string, StageSummary[]>();
  for (const s of stages) {
    const key = s.origin?.series ?? s.name;
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  return {
    count,
    fresh,
    confidence: CONFIDENCE,
    stages: [...series].map(([name, list]) => {
      const figures: RepeatSummary['stages'][number]['figures'] = {};
      for (const [figure, read] of Object.entries(REPEAT_FIGURES) as [
        RepeatFigure,
        (s: StageSummary) => number | null | undefined,
      ][]) {
        const values = list.map(read).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        const i = interval(values);
        if (i) figures[figure] = i;
      }
      return { series: name, stages: list.map((s) => s.name), figures };
    }),
    searches: [...new Set(searches.map((s) => s.stage))].map((stage) => ({
      stage,
      capacity: interval(
        searches.filter((s) => s.stage === stage && s.capacity !== null).map((s) => s.capacity!),
      ),
    })),
  };
}

/** The summary's `searches`, `sweeps` and `repeats`, present only when the run has them. */
export function planResults(
  recipe: PlanRecipe,
  stages: readonly StageSummary[],
): Pick<BenchmarkSummary, 'searches' | 'sweeps' | 'repeats'> {
  const searches = searchResults(recipe, stages);
  const sweeps = sweepResults(recipe, stages);
  const repeats = repeatSummary(recipe, stages, searches);
  return {
    ...(searches.length ? { searches } : {}),
    ...(sweeps.length ? { sweeps } : {}),
    ...(repeats ? { repeats } : {}),
  };
}
