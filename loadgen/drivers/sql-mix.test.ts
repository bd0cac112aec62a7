import { describe, expect, it } from 'vitest';
import type { SqlWorkloadSettings } from '../../core/loadgen-protocol';
import { deriveRng, mulberry32 } from '../../core/random';
import { createSqlPlanner, statementName, weightedPicker } from './sql-mix';
import { BUILTIN_SQL } from './sql-schema';

const settings = (over: Partial<SqlWorkloadSettings> = {}): SqlWorkloadSettings => ({
  kind: 'sql',
  user: 'aifb',
  database: 'postgres',
  rows: 1000,
  padBytes: 10,
  rangeSize: 50,
  mix: { 'point-select': 70, range: 10, insert: 10, update: 10 },
  variables: {},
  transactions: {},
  connections: 8,
  ...over,
});

describe('sql mix', () => {
  it('picks by weight: each class about its share, zero weights never', () => {
    const pick = weightedPicker({ a: 3, b: 1, never: 0 });
    const rng = mulberry32(7);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 40_000; i++) {
      const c = pick(rng());
      counts[c] = (counts[c] ?? 0) + 1;
    }
    expect(counts.never).toBeUndefined();
    expect(counts.a! / 40_000).toBeCloseTo(0.75, 1);
    expect(counts.b! / 40_000).toBeCloseTo(0.25, 1);
    // The order a mix is written in does not change the draws.
    const other = weightedPicker({ b: 1, a: 3 });
    for (const u of [0, 0.3, 0.74, 0.76, 0.9999]) expect(other(u)).toBe(pick(u));
  });

  it('refuses a mix without any weight', () => {
    expect(() => weightedPicker({ a: 0 })).toThrow(/weight/);
  });

  it('plans built-in statements with values in range, each a transaction of one statement', () => {
    const next = createSqlPlanner(settings(), deriveRng(1, 2), { start: 0, step: 1 });
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const op = next();
      seen.add(op.class);
      expect(op.explicit).toBe(false);
      expect(op.statements).toHaveLength(1);
      const [st] = op.statements;
      expect(st!.text).toBe(BUILTIN_SQL[op.class as keyof typeof BUILTIN_SQL]);
      expect(st!.name).toBe(statementName(op.class));
      const v = st!.values as number[];
      if (op.class === 'point-select') expect(v[0]).toBeGreaterThanOrEqual(1);
      if (op.class === 'point-select' || op.class === 'update') expect(v[0]).toBeLessThanOrEqual(1000);
      if (op.class === 'range') {
        expect(v[0]).toBeGreaterThanOrEqual(1);
        expect(v[1]! - v[0]!).toBe(49);
        expect(v[1]).toBeLessThanOrEqual(1000);
      }
      if (op.class === 'insert') expect(String(st!.values[2])).toHaveLength(10);
    }
    expect([...seen].sort()).toEqual(['insert', 'point-select', 'range', 'update']);
  });

  it('is reproducible: the same seed plans the same operations', () => {
    const a = createSqlPlanner(settings(), deriveRng(5, 1), { start: 0, step: 1 });
    const b = createSqlPlanner(settings(), deriveRng(5, 1), { start: 0, step: 1 });
    for (let i = 0; i < 100; i++) expect(a()).toEqual(b());
  });

  it("binds a user's transaction from its variables, one draw per operation, BEGIN/COMMIT when several", () => {
    const next = createSqlPlanner(
      settings({
        rows: 0,
        mix: { transfer: 1, one: 1 },
        variables: { id: { kind: 'int', min: 1, max: 5 }, n: { kind: 'sequence' } },
        transactions: {
          transfer: [
            { sql: 'UPDATE t SET v = v - 1 WHERE id = $1', params: ['id'] },
            { sql: 'INSERT INTO log (id, n) VALUES ($1, $2)', params: ['id', 'n'] },
          ],
          one: [{ sql: 'SELECT $1::int', params: ['n'] }],
        },
      }),
      deriveRng(1, 1),
      { start: 2, step: 3 },
    );
    const ops = Array.from({ length: 50 }, next);
    const transfer = ops.find((o) => o.class === 'transfer')!;
    expect(transfer.explicit).toBe(true);
    expect(transfer.statements.map((s) => s.name)).toEqual(['aifb_transfer_0', 'aifb_transfer_1']);
    // The same variable binds the same value in both statements.
    expect(transfer.statements[0]!.values[0]).toBe(transfer.statements[1]!.values[0]);
    expect(ops.find((o) => o.class === 'one')!.explicit).toBe(false);
    // Sequences interleave over clients: this client's run 2, 5, 8...
    const sequence = ops.map((o) =>
      o.class === 'one' ? o.statements[0]!.values[0] : o.statements[1]!.values[1],
    );
    expect(sequence.slice(0, 3)).toEqual([2, 5, 8]);
  });
});
