/**
 * Ground truth computed once per data set and query part: a client computes the exact neighbours
 * of its own queries (brute force) and keeps them in `<cache>/vector-truth/<key>.json`, keyed by
 * a hash of everything that decides them (the data set's hash, the query indices, distance, k,
 * epsilon, filter). Later stages and later benchmarks on the same node read it back.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { VectorDistance, VectorFilter } from '../../core/loadgen-protocol';
import { writeJsonAtomic } from '../output';
import { sha256, type Vectors } from './data';
import { exactNeighbours, type QueryTruth } from './truth';

const CACHE_VERSION = 1;

export interface TruthSpec {
  /** The data set's identity (synthetic spec hash, or the file's and query file's sha256). */
  dataHash: string;
  /** The query indices (into the query set) this client asks. */
  queryIndices: readonly number[];
  k: number;
  distance: VectorDistance;
  epsilon: number;
  filter?: VectorFilter;
  /** The filter value each query compares with (parallel to queryIndices). */
  filterValues?: readonly number[];
}

export function truthKey(spec: TruthSpec): string {
  return sha256(JSON.stringify({ v: CACHE_VERSION, ...spec }));
}

/**
 * Where ground truth is kept on this node: `$AIFB_CACHE/vector-truth` (default
 * ~/.cache/aifb, or $XDG_CACHE_HOME/aifb), else `fallback` (the job folder) when that cannot be
 * made.
 */
export function truthCacheDir(env: NodeJS.ProcessEnv, fallback: string): string {
  const base = env.AIFB_CACHE || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'aifb');
  const dir = join(base, 'vector-truth');
  try {
    mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    return fallback;
  }
}

interface TruthFile {
  version: number;
  key: string;
  truths: QueryTruth[];
}

/** The cached truth under `key` in `dir`, or null (absent, unreadable, or another key). */
export function readTruth(dir: string, key: string): QueryTruth[] | null {
  try {
    const file = JSON.parse(readFileSync(join(dir, `${key}.json`), 'utf8')) as TruthFile;
    return file.version === CACHE_VERSION && file.key === key && Array.isArray(file.truths)
      ? file.truths
      : null;
  } catch {
    return null;
  }
}

export function writeTruth(dir: string, key: string, truths: QueryTruth[]): void {
  const file: TruthFile = { version: CACHE_VERSION, key, truths };
  writeJsonAtomic(join(dir, `${key}.json`), file);
}

/** Brute force over `base` for each of the spec's queries (indices into `queries`). */
export function computeTruth(base: Vectors, queries: Vectors, spec: TruthSpec): QueryTruth[] {
  return spec.queryIndices.map((qi, n) =>
    exactNeighbours(base, queries, qi, {
      k: spec.k,
      distance: spec.distance,
      epsilon: spec.epsilon,
      ...(spec.filter && spec.filterValues
        ? { filter: { op: spec.filter.op, value: spec.filterValues[n]! } }
        : {}),
    }),
  );
}
