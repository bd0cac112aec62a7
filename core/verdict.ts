/**
 * Regression verdicts: each stage's figures against references (ReFrame-style tuples from a
 * recipe or refs file, the last good run of the recipe, or a baseline run), pass or fail per
 * figure. Pure: the writeResults activity and `aifb compare` call it.
 *
 * Bounds: value + lower·|value| and value + upper·|value| (ReFrame's thresholds; null sides are
 * unbounded). A measured interval (repeated runs) fails only when it lies wholly outside the
 * bounds; a reference with an interval widens them to its own interval's ends.
 */
import { FIGURES, type Figure, figureOf } from './figures';
import { type HistoryEntry, lastGood } from './history';
import { ANY_STAGE, type LastGoodSpec, type References, type StageReferences } from './references';
import type {
  BenchmarkSummary,
  ReferenceCheck,
  ReferenceSource,
  ReferenceValue,
  Verdict,
} from './summary-format';

export type { ReferenceCheck, ReferenceSource, Verdict } from './summary-format';

const fmt = (n: number) =>
  Number.isInteger(n) ? String(n) : Math.abs(n) >= 1000 ? n.toFixed(0) : String(Number(n.toPrecision(4)));
const pct = (f: number) => `${f >= 0 ? '+' : ''}${fmt(f * 100)}%`;

/** The bounds a reference allows (null = unbounded). */
export function boundsOf(ref: ReferenceValue): ReferenceCheck['bounds'] {
  const lo = ref.interval?.low ?? ref.value;
  const hi = ref.interval?.high ?? ref.value;
  return {
    low: ref.lower === null ? null : lo + ref.lower * Math.abs(lo),
    high: ref.upper === null ? null : hi + ref.upper * Math.abs(hi),
  };
}

/** One figure against one reference. */
export function checkFigure(
  measured: Figure | null,
  reference: ReferenceValue,
): Pick<ReferenceCheck, 'value' | 'interval' | 'bounds' | 'pass' | 'reason'> {
  const bounds = boundsOf(reference);
  if (!measured) return { value: null, bounds, pass: false, reason: 'not in the result' };
  const low = measured.interval?.low ?? measured.value;
  const high = measured.interval?.high ?? measured.value;
  const what = measured.interval ? `interval [${fmt(low)}, ${fmt(high)}]` : fmt(measured.value);
  const ref = `reference ${fmt(reference.value)}${reference.interval ? ` [${fmt(reference.interval.low)}, ${fmt(reference.interval.high)}]` : ''}`;
  let reason = 'ok';
  if (bounds.high !== null && low > bounds.high) {
    reason = `${what} above ${fmt(bounds.high)} (${ref} ${pct(reference.upper ?? 0)})`;
  } else if (bounds.low !== null && high < bounds.low) {
    reason = `${what} below ${fmt(bounds.low)} (${ref} ${pct(reference.lower ?? 0)})`;
  }
  return {
    value: measured.value,
    ...(measured.interval ? { interval: measured.interval } : {}),
    bounds,
    pass: reason === 'ok',
    reason,
  };
}

/** The part of a stage summary a verdict reads: its name and figures. */
export type StageFigures = { name: string } & object;

/**
 * Every stage of a result against stage references (`*` applies to every stage; a stage's own
 * reference of a figure wins over `*`'s). A named stage the result lacks fails as a whole.
 */
export function judgeStages(
  stages: readonly StageFigures[],
  refs: StageReferences | Record<string, Record<string, ReferenceValue>>,
  source: ReferenceSource,
  from?: string,
): ReferenceCheck[] {
  const checks: ReferenceCheck[] = [];
  const any = refs[ANY_STAGE] ?? {};
  for (const stage of stages) {
    const own = refs[stage.name] ?? {};
    for (const [figure, reference] of Object.entries({ ...any, ...own })) {
      const def = FIGURES.get(figure);
      checks.push({
        stage: stage.name,
        figure,
        label: def?.label ?? figure,
        unit: reference.unit,
        reference,
        source,
        ...(from ? { from } : {}),
        ...checkFigure(figureOf(stage, figure), reference),
      });
    }
  }
  for (const [name, figures] of Object.entries(refs)) {
    if (name === ANY_STAGE || stages.some((s) => s.name === name)) continue;
    const first = Object.values(figures)[0];
    if (!first) continue;
    checks.push({
      stage: name,
      figure: '*',
      label: 'stage',
      unit: '',
      value: null,
      reference: first,
      bounds: { low: null, high: null },
      source,
      ...(from ? { from } : {}),
      pass: false,
      reason: 'the stage is not in the result',
    });
  }
  return checks;
}

/**
 * References from an earlier run's stages (the last good run, or compare's baseline): each
 * figure it has, bounded on its worse side by `tolerance`, unbounded on the better side.
 */
export function referencesFromRun(stages: readonly StageFigures[], spec: LastGoodSpec) {
  const refs: Record<string, Record<string, ReferenceValue>> = {};
  for (const stage of stages) {
    const figures: Record<string, ReferenceValue> = {};
    for (const path of spec.figures) {
      const def = FIGURES.get(path);
      const f = figureOf(stage, path);
      if (!def || !f) continue;
      figures[path] = {
        value: f.value,
        lower: def.better === 'higher' ? -Math.min(1, spec.tolerance) : null,
        upper: def.better === 'lower' ? spec.tolerance : null,
        unit: def.unit,
        ...(f.interval ? { interval: f.interval } : {}),
      };
    }
    refs[stage.name] = figures;
  }
  return refs;
}

export function verdictOf(checks: ReferenceCheck[], notes: string[] = []): Verdict {
  const failed = checks.filter((c) => !c.pass).length;
  return {
    outcome: checks.length === 0 ? 'none' : failed > 0 ? 'fail' : 'pass',
    checked: checks.length,
    failed,
    checks,
    notes,
  };
}

/** One line per failed check, e.g. `c8 TTFT p99: 80 above 64.8 (reference 54 +20%) [recipe]`. */
export function regressionLines(verdict: Verdict): string[] {
  return verdict.checks
    .filter((c) => !c.pass)
    .map((c) => `${c.stage} ${c.label}: ${c.reason} [${c.source}${c.from ? ` ${c.from}` : ''}]`);
}

/** Figure paths the references name: the history keeps them beside the headline figures. */
export function referencedFigures(refs: References | undefined): string[] {
  if (!refs) return [];
  return [
    ...new Set([
      ...Object.values(refs.stages).flatMap((f) => Object.keys(f)),
      ...(refs.lastGood?.figures ?? []),
    ]),
  ];
}

/**
 * Judges `summary` against the recipe's references; `history` is the recipe's results history
 * (for `lastGood`). Undefined when the recipe names no reference.
 */
export function judgeRun(
  summary: BenchmarkSummary,
  refs: References | undefined,
  history: readonly HistoryEntry[],
): Verdict | undefined {
  if (!refs) return undefined;
  const checks = judgeStages(summary.stages, refs.stages, 'recipe');
  const notes: string[] = [];
  if (refs.lastGood) {
    const hash = summary.environment?.recipeHash ?? null;
    const good = lastGood(history, hash, summary.benchmarkId);
    if (good) {
      checks.push(
        ...judgeStages(
          summary.stages,
          referencesFromRun(
            good.stages.map((st) => ({ ...st.figures, name: st.name })),
            refs.lastGood,
          ),
          'last-good',
          good.benchmarkId,
        ),
      );
    } else {
      notes.push(
        `no earlier good run of ${summary.recipeName} with recipe ${hash ?? '(unknown hash)'}: nothing to compare with yet`,
      );
    }
  }
  return verdictOf(checks, notes);
}
