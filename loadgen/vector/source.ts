/**
 * Where a `vector-search` client's vectors come from: the synthetic mixture (made on demand, any
 * range) or the uploaded file(s), parsed once per process (a client's stages share it). The
 * hash identifies the data set for the ground-truth cache and the default collection name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VectorWorkloadSettings } from '../../core/loadgen-protocol';
import { parseVectorFile, sha256, slice, synthesize, syntheticHash, type Vectors } from './data';

export interface VectorSource {
  hash: string;
  dimension: number;
  /** Vectors to insert (the file's held-out queries excluded). */
  baseCount: number;
  /** Base vectors `from` to `to`. */
  base(from: number, to: number): Vectors;
  /** The query set (`settings.queries` vectors). */
  queries: Vectors;
}

let memo: { key: string; source: VectorSource } | null = null;

export function openSource(settings: VectorWorkloadSettings, dir: string): VectorSource {
  const key = JSON.stringify([settings.data, settings.seed, settings.queries, settings.filter ?? null, dir]);
  if (memo?.key === key) return memo.source;
  const source = settings.data.kind === 'synthetic' ? syntheticSource(settings) : fileSource(settings, dir);
  memo = { key, source };
  return source;
}

function syntheticSource(settings: VectorWorkloadSettings): VectorSource {
  const spec = settings.data;
  if (spec.kind !== 'synthetic') throw new Error('not synthetic');
  return {
    hash: syntheticHash(spec, settings.seed, settings.queries, settings.filter),
    dimension: spec.dimension,
    baseCount: spec.size,
    base: (from, to) => synthesize(spec, settings.seed, 'base', from, to, settings.filter),
    queries: synthesize(spec, settings.seed, 'queries', 0, settings.queries),
  };
}

function fileSource(settings: VectorWorkloadSettings, dir: string): VectorSource {
  const spec = settings.data;
  if (spec.kind !== 'file') throw new Error('not a file');
  const field = settings.filter?.field;
  const bytes = readFileSync(join(dir, spec.file));
  const all = parseVectorFile(bytes, spec.format, field);
  const q = settings.queries;
  let base: Vectors;
  let queries: Vectors;
  let queryHash = 'held-out';
  if (spec.queriesFile !== undefined) {
    const queryBytes = readFileSync(join(dir, spec.queriesFile));
    const fromFile = parseVectorFile(queryBytes, spec.format);
    if (fromFile.dimension !== all.dimension)
      throw new Error(`the query file has dimension ${fromFile.dimension}, the vectors ${all.dimension}`);
    if (fromFile.count < q)
      throw new Error(`the query file has ${fromFile.count} vectors, fewer than queries ${q}`);
    base = all;
    queries = slice(fromFile, 0, q);
    queryHash = sha256(queryBytes);
  } else {
    if (all.count <= q)
      throw new Error(
        `the vector file has ${all.count} vectors: not enough to hold out ${q} queries and insert the rest`,
      );
    base = slice(all, 0, all.count - q);
    queries = slice(all, all.count - q, all.count);
  }
  return {
    hash: sha256(
      JSON.stringify({
        file: sha256(bytes),
        queryHash,
        q,
        seed: settings.seed,
        filter: settings.filter ?? null,
      }),
    ),
    dimension: all.dimension,
    baseCount: base.count,
    base: (from, to) => slice(base, from, to),
    queries,
  };
}
