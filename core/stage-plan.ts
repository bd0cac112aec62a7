/**
 * From the recipe's stages to the stages a run actually loads, one at a time: a plain stage is
 * itself; a sweep measures the synchronous rate and the saturated throughput, then makes its
 * rates from them; a capacity search makes probe after probe from the verdicts so far; and
 * `workload.repeat` runs it all again. Pure and deterministic: the workflow asks `nextStage`
 * after every stage (its answer depends only on the recipe and the summaries), so a replayed or
 * restarted run makes the very same stages.
 */
import { nextProbe, type Probe, probeVerdict, roundProbe } from './capacity-search';
import type { CapacitySearchSpec, Recipe, StagePlanSpec, StageSpec, SweepSpec } from './recipe';
import { isLoadStage, recipeStageName, repetitionSuffix } from './recipe-read';
import type { ProbeVerdict, StageOrigin, StageSummary } from './summary-format';

/** A stage to load: its spec (named) and where it came from. */
export interface PlannedStage {
  spec: StageSpec & { name: string };
  origin: StageOrigin;
}

/** A stage the run has loaded, and its summary (null when it never started: stopped first). */
export interface StageRecord {
  planned: PlannedStage;
  summary: StageSummary | null;
}

/** The bounds every stage a sweep or search makes takes from it. */
function bounds(s: StagePlanSpec) {
  return {
    warmup: s.warmup,
    cooldown: s.cooldown,
    ...(s.duration !== undefined ? { duration: s.duration } : {}),
    ...(s.maxRequests !== undefined ? { maxRequests: s.maxRequests } : {}),
  };
}

/**
 * A sweep's `steps` rates strictly between the synchronous rate `lo` and the throughput `hi`:
 * evenly spaced (linear), or at equal ratios (geometric). Rounded to 3 significant digits.
 */
export function sweepRates(lo: number, hi: number, steps: number, spacing: SweepSpec['spacing']): number[] {
  return Array.from({ length: steps }, (_, k) => {
    const f = (k + 1) / (steps + 1);
    const r = spacing === 'geometric' ? lo * (hi / lo) ** f : lo + (hi - lo) * f;
    return roundProbe(r, 'rate');
  });
}

/** What a `steps` sweep measured first; null where its stage has no summary. */
export function sweepBounds(records: readonly StageRecord[]): { lo: number | null; hi: number | null } {
  return {
    lo: records[0]?.summary?.throughput.requestsPerS ?? null,
    hi: records[1]?.summary?.throughput.requestsPerS ?? null,
  };
}

/** Why a `steps` sweep cannot make its rates, or null when it can. */
export function sweepProblem(lo: number | null, hi: number | null): string | null {
  if (lo === null || hi === null) return 'its synchronous or throughput stage measured nothing';
  if (!(lo > 0)) return 'the synchronous stage completed no request';
  if (!(hi > lo))
    return `the saturated throughput (${hi.toFixed(2)}/s) is not above the synchronous rate (${lo.toFixed(2)}/s)`;
  return null;
}

function sweepNext(
  s: SweepSpec,
  base: string,
  records: readonly StageRecord[],
): { spec: StageSpec; name: string; role: StageOrigin['role'] } | null {
  const b = bounds(s);
  const open = (rate: number): StageSpec => ({
    mode: s.arrivals,
    rate,
    ...b,
    stopWhenOversaturated: s.stopWhenOversaturated,
  });
  const k = records.length;
  if (s.rates) {
    const rate = s.rates[k];
    return rate === undefined ? null : { spec: open(rate), name: `${base}-${k + 1}`, role: 'rate' };
  }
  if (s.concurrencies) {
    const c = s.concurrencies[k];
    return c === undefined
      ? null
      : {
          spec: { mode: 'concurrency', concurrency: c, ...b, stopWhenOversaturated: s.stopWhenOversaturated },
          name: `${base}-${k + 1}`,
          role: 'concurrency',
        };
  }
  // steps: the two measurements (closed loops: they cannot over-saturate), then the rates.
  if (k === 0)
    return {
      spec: { mode: 'synchronous', ...b, stopWhenOversaturated: false },
      name: `${base}-sync`,
      role: 'synchronous',
    };
  if (k === 1)
    return {
      spec: { mode: 'throughput', maxConcurrency: s.maxConcurrency, ...b, stopWhenOversaturated: false },
      name: `${base}-max`,
      role: 'throughput',
    };
  const { lo, hi } = sweepBounds(records);
  if (sweepProblem(lo, hi) !== null) return null;
  const rate = sweepRates(lo!, hi!, s.steps ?? 0, s.spacing)[k - 2];
  return rate === undefined ? null : { spec: open(rate), name: `${base}-${k - 1}`, role: 'rate' };
}

/** The probes of a search so far, with their verdicts. */
export function searchProbes(s: CapacitySearchSpec, records: readonly StageRecord[]): ProbeVerdict[] {
  return records.map((r) => probeVerdict(s, probeValue(r.planned.spec), r.summary));
}

/** The value a probe stage tried: its rate or its concurrency. */
export function probeValue(spec: StageSpec): number {
  if ('rate' in spec) return spec.rate;
  if (spec.mode === 'concurrency') return spec.concurrency;
  throw new TypeError(`a ${spec.mode} stage is no probe`);
}

/** The lowest value a search may try: 0.01 req/s, or a request in flight per client. */
export function searchFloor(s: CapacitySearchSpec, clients: number): number {
  return s.vary === 'rate' ? 0.01 : clients;
}

function searchNext(
  s: CapacitySearchSpec,
  base: string,
  records: readonly StageRecord[],
  clients: number,
): { spec: StageSpec; name: string; role: StageOrigin['role'] } | null {
  const probes: Probe[] = searchProbes(s, records);
  const step = nextProbe(s, probes, searchFloor(s, clients));
  if (step.kind === 'done') return null;
  const b = { ...bounds(s), stopWhenOversaturated: s.stopWhenOversaturated };
  const spec: StageSpec =
    s.vary === 'rate'
      ? {
          mode: s.arrivals,
          rate: step.value,
          ...(s.maxConcurrency !== undefined ? { maxConcurrency: s.maxConcurrency } : {}),
          ...b,
        }
      : { mode: 'concurrency', concurrency: step.value, ...b };
  return { spec, name: `${base}-${records.length + 1}`, role: 'probe' };
}

/** The stages of recipe stage `index` in repetition `repetition`, in order. */
export function recordsOf(history: readonly StageRecord[], index: number, repetition: number): StageRecord[] {
  return history.filter(
    (r) => r.planned.origin.recipeIndex === index && (r.planned.origin.repetition ?? 1) === repetition,
  );
}

/**
 * The next stage to load after `history` (every stage loaded so far, in order), or null when the
 * run's stages are done. `repetitions`: how many times to go through the recipe's stages here (a
 * fresh-deployment repetition is a run of its own, with 1).
 */
export function nextStage(
  recipe: Pick<Recipe, 'workload'>,
  history: readonly StageRecord[],
  repetitions = recipe.workload.repeat.count,
): PlannedStage | null {
  const stages = recipe.workload.stages;
  const clients = recipe.workload.clients.count;
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    const suffix = repetitionSuffix(repetition, repetitions);
    for (let index = 0; index < stages.length; index++) {
      const s = stages[index]!;
      const base = recipeStageName(s, index);
      const records = recordsOf(history, index, repetition);
      const origin = {
        recipeIndex: index,
        recipeStage: base,
        ...(repetitions > 1 ? { repetition } : {}),
      };
      if (isLoadStage(s)) {
        if (records.length > 0) continue;
        return {
          spec: { ...s, name: `${base}${suffix}` },
          origin: { ...origin, kind: 'stage', series: base },
        };
      }
      const next = s.mode === 'sweep' ? sweepNext(s, base, records) : searchNext(s, base, records, clients);
      if (next === null) continue;
      return {
        spec: { ...next.spec, name: `${next.name}${suffix}` },
        origin: { ...origin, kind: s.mode, role: next.role, series: next.name },
      };
    }
  }
  return null;
}

/**
 * The recipe as the activities see it: its stages are the run's loads so far (indexed as the
 * run numbers them), so `workload.stages[stageIndex]` is the stage at hand.
 */
export function runRecipe<R extends Pick<Recipe, 'workload'>>(
  recipe: R,
  planned: readonly PlannedStage[],
): R {
  return { ...recipe, workload: { ...recipe.workload, stages: planned.map((p) => p.spec) } };
}

/**
 * How many stages the run will have as far as it is known: those loaded, plus what the stages
 * ahead will make at least (a search counts one probe until it runs; it grows as it goes).
 */
export function knownStageCount(
  recipe: Pick<Recipe, 'workload'>,
  history: readonly StageRecord[],
  repetitions = recipe.workload.repeat.count,
): number {
  const stages = recipe.workload.stages;
  let count = history.length;
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    stages.forEach((s, index) => {
      const made = recordsOf(history, index, repetition).length;
      const atLeast =
        s.mode === 'sweep'
          ? s.steps !== undefined
            ? s.steps + 2
            : (s.rates ?? s.concurrencies ?? []).length
          : 1;
      count += Math.max(0, atLeast - made);
    });
  }
  return count;
}

/**
 * Whether any stage may still follow the last one in `history` (its clients are then told
 * nothing yet). False only when the plan is surely done: what a search or sweep does next
 * depends on the stage that is still running, so they may always follow.
 */
export function stageMayFollow(
  recipe: Pick<Recipe, 'workload'>,
  history: readonly StageRecord[],
  repetitions = recipe.workload.repeat.count,
): boolean {
  const last = history.at(-1);
  if (!last) return true;
  const { recipeIndex } = last.planned.origin;
  const repetition = last.planned.origin.repetition ?? 1;
  if (repetition < repetitions || recipeIndex < recipe.workload.stages.length - 1) return true;
  const s = recipe.workload.stages[recipeIndex]!;
  if (isLoadStage(s) || s.mode === 'capacity-search') return !isLoadStage(s);
  // A sweep knows its count once it is made: all but a `steps` sweep's rates are known.
  const made = recordsOf(history, recipeIndex, repetition).length;
  const total = s.steps !== undefined ? s.steps + 2 : (s.rates ?? s.concurrencies ?? []).length;
  return made < total;
}
