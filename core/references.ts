/**
 * Reference values with tolerances, in ReFrame's `(value, lower, upper, unit)` style: `lower`
 * and `upper` are fractions of the value (−0.1 = at most 10% below, 0.2 = at most 20% above,
 * null = unbounded on that side). In a recipe's `references` or a refs file (the same shape).
 * Pure: the recipe schema includes it.
 *
 * ```yaml
 * references:
 *   stages:
 *     c8:                                           # a stage name, or "*" for every stage
 *       throughput.requestsPerS: [14.6, -0.1, null, req/s]
 *       latencyMs.ttft.p99: [54, null, 20%, ms]
 *   lastGood: { tolerance: 10% }                    # the last good run of this recipe, too
 * ```
 */
import { z } from 'zod';
import { FIGURES, HEADLINE_FIGURES } from './figures';

export interface ReferenceTuple {
  value: number;
  /** Fraction of |value| the figure may fall below it (≤ 0); null: no lower bound. */
  lower: number | null;
  /** Fraction of |value| the figure may rise above it (≥ 0); null: no upper bound. */
  upper: number | null;
  unit: string;
}

/** Stage name (or `*`) → figure path → reference. */
export type StageReferences = Record<string, Record<string, ReferenceTuple>>;

export interface LastGoodSpec {
  /** Allowed change on the worse side, as a fraction (0.1 = 10%); the better side is unbounded. */
  tolerance: number;
  /** Figure paths to check (default: the headline figures). */
  figures: string[];
}

export interface References {
  stages: StageReferences;
  lastGood?: LastGoodSpec;
}

export const ANY_STAGE = '*';
export const DEFAULT_LAST_GOOD_TOLERANCE = 0.1;

/** A fraction: a number (0.1) or a percentage ("10%"). */
const fraction = z.union([z.number(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
  } else {
    const m = /^\s*([+-]?\d+(?:\.\d+)?)\s*%\s*$/.exec(v);
    if (m) return Number(m[1]) / 100;
  }
  ctx.addIssue({ code: 'custom', message: 'expected a fraction (0.1) or a percentage ("10%")' });
  return z.NEVER;
});

const lower = fraction
  .nullable()
  .refine(
    (v) => v === null || (v <= 0 && v >= -1),
    'lower must be between -1 and 0 (e.g. -0.1 or "-10%"), or null',
  );
const upper = fraction
  .nullable()
  .refine((v) => v === null || v >= 0, 'upper must be 0 or more (e.g. 0.2 or "20%"), or null');
const value = z.number({ error: 'expected the reference value (a number)' }).refine(Number.isFinite);
const unit = z.string().min(1).max(32);

const tuple = z.union(
  [
    z.tuple([value, lower, upper, unit]),
    z.tuple([value, lower, upper]),
    z.strictObject({ value, lower: lower.default(null), upper: upper.default(null), unit: unit.optional() }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'expected [value, lower, upper, unit] (ReFrame style; lower/upper fractions or null) or { value, lower, upper, unit }'
        : undefined,
  },
);

/** The figure paths a reference may name, as a hint in error messages. */
const figureHint = () =>
  `a figure path such as ${['throughput.requestsPerS', 'latencyMs.ttft.p99', 'latencyMs.tpot.p50'].join(', ')} (README "References and regressions" lists them)`;

const figurePath = z.string().refine((p) => FIGURES.has(p), {
  error: (i) => `unknown figure ${JSON.stringify(i.input)}: ${figureHint()}`,
});

const stageRefs = z.record(z.string(), z.record(z.string(), tuple)).superRefine((stages, ctx) => {
  for (const [stage, figures] of Object.entries(stages)) {
    if (stage !== ANY_STAGE && !/^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/.test(stage)) {
      ctx.addIssue({ code: 'custom', path: [stage], message: `not a stage name (nor "${ANY_STAGE}")` });
    }
    for (const [path, ref] of Object.entries(figures)) {
      const def = FIGURES.get(path);
      if (!def) {
        ctx.addIssue({ code: 'custom', path: [stage, path], message: `unknown figure: ${figureHint()}` });
        continue;
      }
      const given = Array.isArray(ref) ? ref[3] : ref.unit;
      if (given !== undefined && given !== def.unit) {
        ctx.addIssue({
          code: 'custom',
          path: [stage, path],
          message: `unit ${JSON.stringify(given)} is not the figure's unit (${def.unit})`,
        });
      }
    }
  }
});

export const referencesSchema = z
  .strictObject({
    stages: stageRefs.default({}),
    /** `true`, or { tolerance, figures }: the last good run of this recipe is a reference too. */
    lastGood: z
      .union([
        z.literal(true),
        z.strictObject({
          tolerance: fraction
            .refine((v) => v >= 0, 'tolerance must be 0 or more')
            .default(DEFAULT_LAST_GOOD_TOLERANCE),
          figures: z.array(figurePath).min(1).optional(),
        }),
      ])
      .optional(),
  })
  .transform((r): References => {
    const stages: StageReferences = {};
    for (const [stage, figures] of Object.entries(r.stages)) {
      stages[stage] = {};
      for (const [path, ref] of Object.entries(figures)) {
        const def = FIGURES.get(path)!;
        stages[stage][path] = Array.isArray(ref)
          ? { value: ref[0], lower: ref[1], upper: ref[2], unit: ref[3] ?? def.unit }
          : { value: ref.value, lower: ref.lower, upper: ref.upper, unit: ref.unit ?? def.unit };
      }
    }
    const lastGood =
      r.lastGood === undefined
        ? undefined
        : r.lastGood === true
          ? { tolerance: DEFAULT_LAST_GOOD_TOLERANCE, figures: [...HEADLINE_FIGURES] }
          : { tolerance: r.lastGood.tolerance, figures: r.lastGood.figures ?? [...HEADLINE_FIGURES] };
    return { stages, ...(lastGood ? { lastGood } : {}) };
  });

export type ReferencesInput = z.input<typeof referencesSchema>;

/**
 * A recipe's own `references` (as written) over a refs file's: per stage and figure the recipe's
 * win; its `lastGood`, when it has one. The result is recipe input, to be validated with it.
 */
export function mergeReferences(own: unknown, file: References): Record<string, unknown> {
  const mine = (own && typeof own === 'object' ? own : {}) as {
    stages?: Record<string, object>;
    lastGood?: unknown;
  };
  const stages: Record<string, object> = {};
  for (const name of new Set([...Object.keys(file.stages), ...Object.keys(mine.stages ?? {})])) {
    stages[name] = { ...file.stages[name], ...mine.stages?.[name] };
  }
  const lastGood = mine.lastGood ?? file.lastGood;
  return { ...mine, stages, ...(lastGood === undefined ? {} : { lastGood }) };
}
