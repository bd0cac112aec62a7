import { describe, expect, it } from 'vitest';
import { BUILTIN_SQL, loadBatches, loadSlice, SCHEMA_SQL } from './sql-schema';

describe('sql schema', () => {
  it('splits the rows into contiguous slices that cover 1..rows exactly once', () => {
    for (const [rows, count] of [
      [10, 3],
      [3, 5],
      [1000, 1],
      [0, 2],
    ] as const) {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        const { first, last } = loadSlice(rows, count, i);
        for (let id = first; id <= last; id++) ids.push(id);
      }
      expect(ids).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
    }
    expect(loadSlice(10, 3, 0)).toEqual({ first: 1, last: 4 });
    expect(loadSlice(10, 3, 2)).toEqual({ first: 8, last: 10 });
  });

  it('loads a slice in batches of seeded rows, the same whatever the run', () => {
    const batches = [...loadBatches(3, { first: 5, last: 2504 }, 8, 1000)];
    expect(batches.map((b) => b.ids.length)).toEqual([1000, 1000, 500]);
    expect(batches[0]!.ids[0]).toBe(5);
    expect(batches[2]!.ids.at(-1)).toBe(2504);
    expect(batches[1]!.pads.every((p) => p.length === 8)).toBe(true);
    expect([...loadBatches(3, { first: 5, last: 2504 }, 8, 1000)]).toEqual(batches);
    expect([...loadBatches(3, { first: 5, last: 4 }, 8)]).toEqual([]);
  });

  it('keeps every value out of the SQL text: each statement binds its values', () => {
    for (const text of [...Object.values(BUILTIN_SQL), ...Object.values(SCHEMA_SQL)])
      expect(text).not.toMatch(/'[^']*\$\{|\$\{/);
    expect(BUILTIN_SQL['point-select']).toMatch(/\$1/);
    expect(SCHEMA_SQL.insertBatch).toMatch(
      /unnest\(\$1::bigint\[\], \$2::integer\[\], \$3::integer\[\], \$4::text\[\]\)/,
    );
  });
});
