/**
 * Exact nearest neighbours by brute force, and recall@k against them the way ann-benchmarks
 * counts it: a returned vector is a hit when its true distance is within the k-th true distance
 * plus a small epsilon, so ties (and float rounding at the boundary) count. Keeping, per query,
 * every id within that threshold makes a hit a set lookup: no vectors are needed at query time.
 */
import type { VectorDistance, VectorFilter } from '../../core/loadgen-protocol';
import type { Vectors } from './data';

/** What a query's answer is scored against. */
export interface QueryTruth {
  /** Every base id whose distance is within the k-th smallest + epsilon (at least min(k, eligible)). */
  ids: number[];
  /** How many hits a perfect answer has: min(k, vectors the filter lets through). */
  possible: number;
}

/** aifb's own distance between a[ai] and b[bi] (smaller is nearer), in float64 over float32 data. */
export function distance(kind: VectorDistance, a: Vectors, ai: number, b: Vectors, bi: number): number {
  const d = a.dimension;
  const x = a.values;
  const y = b.values;
  const xo = ai * d;
  const yo = bi * d;
  if (kind === 'l2') {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = x[xo + j]! - y[yo + j]!;
      s += t * t;
    }
    return Math.sqrt(s);
  }
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (let j = 0; j < d; j++) {
    const p = x[xo + j]!;
    const q = y[yo + j]!;
    dot += p * q;
    nx += p * p;
    ny += q * q;
  }
  if (kind === 'ip') return 1 - dot;
  const norm = Math.sqrt(nx * ny);
  return norm === 0 ? 1 : 1 - dot / norm;
}

/** Whether `attr` passes the filter with this query's value. */
export function passes(op: VectorFilter['op'], attr: number, value: number): boolean {
  switch (op) {
    case 'eq':
      return attr === value;
    case 'ne':
      return !Number.isNaN(attr) && attr !== value;
    case 'lt':
      return attr < value;
    case 'lte':
      return attr <= value;
    case 'gt':
      return attr > value;
    case 'gte':
      return attr >= value;
  }
}

/**
 * The exact answer for query `qi`: distances to every eligible base vector, the k-th smallest,
 * and every id within it + epsilon, nearest first.
 */
export function exactNeighbours(
  base: Vectors,
  queries: Vectors,
  qi: number,
  opts: {
    k: number;
    distance: VectorDistance;
    epsilon: number;
    filter?: { op: VectorFilter['op']; value: number };
  },
): QueryTruth {
  const { k, filter } = opts;
  const dist = new Float64Array(base.count);
  let eligible = 0;
  for (let i = 0; i < base.count; i++) {
    if (filter && !passes(filter.op, base.attrs?.[i] ?? Number.NaN, filter.value)) {
      dist[i] = Number.POSITIVE_INFINITY;
      continue;
    }
    dist[i] = distance(opts.distance, queries, qi, base, i);
    eligible++;
  }
  const possible = Math.min(k, eligible);
  if (possible === 0) return { ids: [], possible: 0 };
  const threshold = kthSmallest(dist, possible) + opts.epsilon;
  const ids: number[] = [];
  for (let i = 0; i < base.count; i++) if (dist[i]! <= threshold) ids.push(i);
  ids.sort((a, b) => dist[a]! - dist[b]! || a - b);
  return { ids, possible };
}

/** The k-th smallest value (1-based) of `values` (copied; quickselect, expected linear time). */
export function kthSmallest(values: Float64Array, k: number): number {
  const a = Float64Array.from(values);
  let lo = 0;
  let hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target]!;
  }
  return a[target]!;
}

/**
 * One answer's score: distinct ids among its first k that are in the truth, out of `possible`
 * (pass the ids as a Set when scoring many answers against the same truth).
 */
export function recallOf(
  returned: readonly number[],
  truth: { ids: ReadonlySet<number> | readonly number[]; possible: number },
  k: number,
): { hits: number; possible: number } {
  const good = truth.ids instanceof Set ? truth.ids : new Set(truth.ids as readonly number[]);
  const seen = new Set<number>();
  let hits = 0;
  for (const id of returned.slice(0, k)) {
    if (seen.has(id)) continue;
    seen.add(id);
    if (good.has(id)) hits++;
  }
  return { hits: Math.min(hits, truth.possible), possible: truth.possible };
}
