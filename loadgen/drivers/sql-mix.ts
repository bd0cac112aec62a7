/**
 * The `sql` workload's operations: which class comes next (seeded, by the mix's weights) and the
 * statements and bind values of that transaction. Pure: the driver only sends what this plans.
 */
import {
  SQL_BUILTIN_CLASSES,
  type SqlBuiltinClass,
  type SqlWorkloadSettings,
} from '../../core/loadgen-protocol';
import type { Rng } from '../../core/random';
import { BUILTIN_SQL, padText, VALUE_MAX } from './sql-schema';
import { createDraw } from './template';

export type SqlValue = string | number;

/** One statement to send: prepared once per connection under `name`, then bound with `values`. */
export interface PlannedStatement {
  name: string;
  text: string;
  values: SqlValue[];
}

/** One operation: a transaction of its class (BEGIN ... COMMIT around it when `explicit`). */
export interface SqlOperation {
  class: string;
  statements: PlannedStatement[];
  /** Several statements: one transaction needs BEGIN/COMMIT (a lone statement commits itself). */
  explicit: boolean;
}

/**
 * Picks names by weight: `pick(u)` for u uniform in [0, 1). Zero weights never come up; the order
 * of the names is sorted, so a mix written in any order draws the same sequence.
 */
export function weightedPicker(weights: Record<string, number>): (u: number) => string {
  const names = Object.keys(weights)
    .filter((n) => (weights[n] ?? 0) > 0)
    .sort();
  if (names.length === 0) throw new Error('the mix has no class with a weight above 0');
  const total = names.reduce((a, n) => a + weights[n]!, 0);
  const bounds: number[] = [];
  let acc = 0;
  for (const n of names) {
    acc += weights[n]!;
    bounds.push(acc / total);
  }
  return (u) => {
    for (let i = 0; i < bounds.length; i++) if (u < bounds[i]!) return names[i]!;
    return names[names.length - 1]!;
  };
}

/** The prepared statement name of statement `i` of `cls` (unique per connection). */
export const statementName = (cls: string, i = 0) => `aifb_${cls.replace(/-/g, '_')}_${i}`;

const isBuiltin = (c: string): c is SqlBuiltinClass => (SQL_BUILTIN_CLASSES as readonly string[]).includes(c);

/** Inserted rows' pads: a few seeded ones reused, so drawing a pad costs nothing per insert. */
const PAD_POOL = 64;

/**
 * The operation source of one client: the n-th call gives the same operation for the same
 * (settings, rng seed, client). `sequence` interleaves `sequence` variables over clients.
 */
export function createSqlPlanner(
  settings: SqlWorkloadSettings,
  rng: Rng,
  sequence: { start: number; step: number },
): () => SqlOperation {
  const pick = weightedPicker(settings.mix);
  const draw = createDraw(settings.variables, rng, sequence);
  const pads = Array.from({ length: PAD_POOL }, () => padText(rng, settings.padBytes));
  const int = (min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
  const { rows, rangeSize } = settings;

  const builtinValues = (cls: SqlBuiltinClass): SqlValue[] => {
    switch (cls) {
      case 'point-select':
        return [int(1, rows)];
      case 'range': {
        const first = int(1, rows - rangeSize + 1);
        return [first, first + rangeSize - 1];
      }
      case 'insert':
        return [int(1, VALUE_MAX), int(0, VALUE_MAX - 1), pads[int(0, PAD_POOL - 1)]!];
      case 'update':
        return [int(1, rows), int(-1000, 1000)];
    }
  };

  return () => {
    const cls = pick(rng());
    if (isBuiltin(cls))
      return {
        class: cls,
        statements: [{ name: statementName(cls), text: BUILTIN_SQL[cls], values: builtinValues(cls) }],
        explicit: false,
      };
    const statements = settings.transactions[cls];
    if (!statements) throw new Error(`class ${cls} is in the mix but not among the transactions`);
    // Drawn once per operation: a variable used by two statements binds the same value.
    const values = draw();
    return {
      class: cls,
      statements: statements.map((st, i) => ({
        name: statementName(cls, i),
        text: st.sql,
        values: st.params.map((p) => values[p]!),
      })),
      explicit: statements.length > 1,
    };
  };
}
