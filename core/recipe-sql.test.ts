import { describe, expect, it } from 'vitest';
import { loadgenConfig } from './loadgen-config';
import { parseRecipe } from './recipe';

const stages = [{ mode: 'concurrency', concurrency: 4, duration: '5s' }];
const parse = (service: unknown, workload: Record<string, unknown>) =>
  parseRecipe({ name: 'sql', service, workload: { stages, ...workload } });
const paths = (r: ReturnType<typeof parse>) => (r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`));

describe('recipe: the sql workload', () => {
  it('fills the defaults and hands the loadgen its settings, the open-loop connections per client', () => {
    const r = parse({ kind: 'postgres' }, { kind: 'sql', sql: {}, clients: { count: 2 } });
    if (!r.ok) throw new Error(paths(r).join('\n'));
    const config = loadgenConfig('b-1', r.recipe, 0, 'http://10.0.0.1:5432');
    expect(config.api).toBe('sql');
    expect(config.workload).toEqual({
      kind: 'sql',
      user: 'aifb',
      database: 'postgres',
      rows: 10_000,
      padBytes: 100,
      rangeSize: 100,
      mix: { 'point-select': 70, range: 10, insert: 10, update: 10 },
      variables: {},
      transactions: {},
      connections: 16,
    });
  });

  it('needs workload.sql for kind sql and refuses it on another kind', () => {
    expect(paths(parse({ kind: 'postgres' }, { kind: 'sql' }))).toEqual([
      'workload.sql: kind sql needs workload.sql',
    ]);
    expect(paths(parse({ kind: 'simulator' }, { kind: 'openai-chat', sql: {} }))).toEqual([
      'workload.sql: workload.sql is for kind sql, not openai-chat',
    ]);
  });

  it('pairs a postgres service with the sql workload, both ways', () => {
    expect(paths(parse({ kind: 'postgres' }, { kind: 'openai-chat' }))).toEqual([
      'workload.kind: a postgres service serves the sql workload, not openai-chat',
    ]);
    expect(paths(parse({ kind: 'simulator' }, { kind: 'sql', sql: {} }))).toEqual([
      'service.kind: the sql workload runs against service kind postgres, not simulator',
    ]);
    expect(parse({ deployment: 'db' }, { kind: 'sql', sql: {} }).ok).toBe(true);
  });

  it('checks the mix, the transactions and their placeholders where they are written', () => {
    const r = parse(
      { kind: 'postgres' },
      {
        kind: 'sql',
        sql: {
          rows: 0,
          mix: { 'point-select': 1, ghost: 1, t: 1 },
          variables: { id: { kind: 'int', min: 1, max: 9 } },
          transactions: {
            t: [
              { sql: 'SELECT $1, $3', params: ['id', 'id', 'id'] },
              { sql: 'SELECT $1', params: ['nope'] },
            ],
            unused: [{ sql: 'SELECT 1' }],
            update: [{ sql: 'SELECT 1' }],
          },
        },
      },
    );
    expect(paths(r).sort()).toEqual(
      [
        'workload.sql.mix.ghost: ghost is neither a built-in class (point-select, range, insert, update) nor one of workload.sql.transactions',
        'workload.sql.mix.point-select: point-select reads the seeded table: rows must be > 0',
        'workload.sql.transactions.t.0.sql: $2 is never used (params has 3)',
        'workload.sql.transactions.t.1.params.0: nope is not one of workload.sql.variables',
        'workload.sql.transactions.unused: unused has no weight in workload.sql.mix (it would never run)',
        'workload.sql.transactions.update: update is a built-in class: give your transaction another name',
      ].sort(),
    );
  });

  it('refuses fewer open-loop connections than clients, a range longer than the table and an all-zero mix', () => {
    expect(
      paths(parse({ kind: 'postgres' }, { kind: 'sql', sql: { connections: 1 }, clients: { count: 2 } })),
    ).toEqual([
      'workload.sql.connections: connections 1 is less than clients.count 2: some clients would have none',
    ]);
    expect(paths(parse({ kind: 'postgres' }, { kind: 'sql', sql: { rows: 10, rangeSize: 20 } }))).toEqual([
      'workload.sql.rangeSize: a range cannot be longer than rows',
    ]);
    expect(paths(parse({ kind: 'postgres' }, { kind: 'sql', sql: { mix: { insert: 0 } } }))).toEqual([
      'workload.sql.mix: at least one class needs a weight above 0',
    ]);
  });
});
