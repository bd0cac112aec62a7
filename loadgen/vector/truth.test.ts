// Exact neighbours and recall on hand-made points whose distances are known, ties included.
import { describe, expect, it } from 'vitest';
import type { Vectors } from './data';
import { distance, exactNeighbours, kthSmallest, passes, recallOf } from './truth';

const set = (rows: number[][], attrs?: number[]): Vectors => ({
  dimension: rows[0]!.length,
  count: rows.length,
  values: Float32Array.from(rows.flat()),
  attrs: attrs ? Float64Array.from(attrs) : null,
});

// Points on a line at 0, 1, 2, 2, 2, 5 and 9 (ids 0-6): three tie at distance 2 from the origin.
const line = set([[0], [1], [2], [2], [2], [5], [9]], [0, 1, 0, 1, 0, 1, 0]);
const origin = set([[0]]);
const opts = { distance: 'l2' as const, epsilon: 1e-3 };

describe('distances', () => {
  it('l2 is Euclidean, cosine 1 − cos, ip 1 − dot', () => {
    const a = set([[3, 4]]);
    const b = set([
      [0, 0],
      [3, 4],
      [4, -3],
      [-3, -4],
      [1, 0],
    ]);
    expect(distance('l2', a, 0, b, 0)).toBe(5);
    expect(distance('l2', a, 0, b, 1)).toBe(0);
    expect(distance('cosine', a, 0, b, 1)).toBeCloseTo(0, 12);
    expect(distance('cosine', a, 0, b, 2)).toBeCloseTo(1, 12);
    expect(distance('cosine', a, 0, b, 3)).toBeCloseTo(2, 12);
    expect(distance('cosine', a, 0, b, 0)).toBe(1); // a zero vector: as far as orthogonal
    expect(distance('ip', a, 0, b, 4)).toBe(1 - 3);
  });

  it('filters compare the field with the query value', () => {
    expect([passes('eq', 2, 2), passes('eq', 1, 2)]).toEqual([true, false]);
    expect([passes('ne', 1, 2), passes('ne', 2, 2), passes('ne', Number.NaN, 2)]).toEqual([
      true,
      false,
      false,
    ]);
    expect([passes('lt', 1, 2), passes('lt', 2, 2), passes('lte', 2, 2)]).toEqual([true, false, true]);
    expect([passes('gt', 3, 2), passes('gt', 2, 2), passes('gte', 2, 2)]).toEqual([true, false, true]);
    expect(passes('lt', Number.NaN, 2)).toBe(false);
  });
});

describe('exact neighbours', () => {
  it('keeps every id within the k-th distance + epsilon: a tie at the boundary is all in', () => {
    // k = 3: distances 0, 1, 2 (three points at 2): the truth holds five ids.
    expect(exactNeighbours(line, origin, 0, { ...opts, k: 3 })).toEqual({
      ids: [0, 1, 2, 3, 4],
      possible: 3,
    });
    expect(exactNeighbours(line, origin, 0, { ...opts, k: 2 })).toEqual({ ids: [0, 1], possible: 2 });
    expect(exactNeighbours(line, origin, 0, { ...opts, k: 6 })).toEqual({
      ids: [0, 1, 2, 3, 4, 5],
      possible: 6,
    });
  });

  it('counts a point within epsilon of the k-th distance, not one beyond it', () => {
    const near = set([[0], [1], [1.0005], [1.002]]);
    expect(exactNeighbours(near, origin, 0, { ...opts, k: 2 }).ids).toEqual([0, 1, 2]);
    expect(exactNeighbours(near, origin, 0, { ...opts, epsilon: 0, k: 2 }).ids).toEqual([0, 1]);
  });

  it('with a filter, only eligible points count, and fewer than k make fewer possible hits', () => {
    // Field 1: ids 1, 3, 5 (at 1, 2, 5).
    expect(exactNeighbours(line, origin, 0, { ...opts, k: 2, filter: { op: 'eq', value: 1 } })).toEqual({
      ids: [1, 3],
      possible: 2,
    });
    expect(exactNeighbours(line, origin, 0, { ...opts, k: 10, filter: { op: 'eq', value: 1 } })).toEqual({
      ids: [1, 3, 5],
      possible: 3,
    });
    expect(exactNeighbours(line, origin, 0, { ...opts, k: 3, filter: { op: 'eq', value: 7 } })).toEqual({
      ids: [],
      possible: 0,
    });
  });

  it('kthSmallest agrees with sorting', () => {
    let x = 12345;
    const next = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return (x % 1000) / 10;
    };
    for (let round = 0; round < 50; round++) {
      const values = Float64Array.from({ length: 1 + (round % 37) }, next);
      const sorted = [...values].sort((a, b) => a - b);
      const k = 1 + (round % values.length);
      expect(kthSmallest(values, k)).toBe(sorted[k - 1]);
    }
  });
});

describe('recall@k', () => {
  const truth = exactNeighbours(line, origin, 0, { ...opts, k: 3 }); // ids 0-4, 3 possible

  it('any of the tied points completes a perfect answer', () => {
    expect(recallOf([0, 1, 2], truth, 3)).toEqual({ hits: 3, possible: 3 });
    expect(recallOf([0, 1, 4], truth, 3)).toEqual({ hits: 3, possible: 3 });
    expect(recallOf([1, 3, 0], truth, 3)).toEqual({ hits: 3, possible: 3 });
  });

  it('counts what is beyond the threshold as misses, and only the first k answered', () => {
    expect(recallOf([0, 1, 5], truth, 3)).toEqual({ hits: 2, possible: 3 });
    expect(recallOf([5, 6, 0], truth, 3)).toEqual({ hits: 1, possible: 3 });
    expect(recallOf([5, 6, 1, 0], truth, 3)).toEqual({ hits: 1, possible: 3 });
    expect(recallOf([], truth, 3)).toEqual({ hits: 0, possible: 3 });
  });

  it('counts a repeated id once', () => {
    expect(recallOf([0, 0, 0], truth, 3)).toEqual({ hits: 1, possible: 3 });
  });

  it('takes the truth as a Set too', () => {
    expect(recallOf([0, 1, 5], { ids: new Set(truth.ids), possible: 3 }, 3)).toEqual({
      hits: 2,
      possible: 3,
    });
  });
});
