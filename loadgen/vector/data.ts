/**
 * The vectors of a `vector-search` workload: the seeded synthetic mixture (any range of it, so a
 * client makes only its insert share when that is all it needs) and vector files (JSONL, fvecs).
 * Pure apart from nothing: bytes in, Float32Arrays out.
 */
import { createHash } from 'node:crypto';
import type { SyntheticVectors, VectorFilter } from '../../core/loadgen-protocol';
import { deriveRng, type Rng } from '../../core/random';

/** `count` vectors of `dimension` float32 values, row after row; `attrs`: the filter field per vector. */
export interface Vectors {
  dimension: number;
  count: number;
  values: Float32Array;
  /** The filter field's value per vector (NaN where a file line has none); null without a filter. */
  attrs: Float64Array | null;
}

/** Bumped whenever generation changes, so cached ground truth of older data is not reused. */
export const GENERATOR_VERSION = 1;

// Streams of the synthetic generator (deriveRng's stream argument), one per purpose.
const STREAM_CENTRES = 1;
const STREAM_BASE = 2;
const STREAM_QUERIES = 3;
const STREAM_ATTRS = 4;
const STREAM_QUERY_VALUES = 5;

/** A seed of its own for each purpose: mixing the stream in keeps nearby seeds apart. */
function subSeed(seed: number, stream: number): number {
  return Math.floor(deriveRng(seed, stream)() * 2 ** 32);
}

function standardNormal(rng: Rng): number {
  const u = 1 - rng(); // (0, 1]: log stays finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** 4 decimals: short in JSON, and the float32 the database stores is the one aifb computes with. */
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

function centres(spec: SyntheticVectors, seed: number): Float32Array {
  const rng = deriveRng(seed, STREAM_CENTRES);
  const out = new Float32Array(spec.clusters * spec.dimension);
  for (let i = 0; i < out.length; i++) out[i] = rng() * 2 - 1;
  return out;
}

/**
 * Vectors `from` to `to` (exclusive) of the base set (`which: 'base'`, with the filter field when
 * there is a filter) or of the query set. Vector i depends on the seed and i only: any range is
 * the same slice of the whole.
 */
export function synthesize(
  spec: SyntheticVectors,
  seed: number,
  which: 'base' | 'queries',
  from: number,
  to: number,
  filter?: VectorFilter,
): Vectors {
  const d = spec.dimension;
  const count = Math.max(0, to - from);
  const c = centres(spec, seed);
  const pointSeed = subSeed(seed, which === 'base' ? STREAM_BASE : STREAM_QUERIES);
  const attrSeed = subSeed(seed, STREAM_ATTRS);
  const values = new Float32Array(count * d);
  // Queries carry no metadata: their filter value is queryFilterValue's.
  const attrs = filter && which === 'base' ? new Float64Array(count) : null;
  for (let n = 0; n < count; n++) {
    const i = from + n;
    const rng = deriveRng(pointSeed, i);
    const cluster = Math.floor(rng() * spec.clusters);
    for (let j = 0; j < d; j++)
      values[n * d + j] = round4(c[cluster * d + j]! + spec.spread * standardNormal(rng));
    if (attrs && filter) attrs[n] = Math.floor(deriveRng(attrSeed, i)() * filter.values);
  }
  return { dimension: d, count, values, attrs };
}

/** The value query j compares the filter field with: the fixed one, or its own seeded draw. */
export function queryFilterValue(filter: VectorFilter, seed: number, j: number): number {
  if (filter.value !== undefined) return filter.value;
  return Math.floor(deriveRng(subSeed(seed, STREAM_QUERY_VALUES), j)() * filter.values);
}

/** Identifies a synthetic data set (with its query set and filter field) for caches and names. */
export function syntheticHash(
  spec: SyntheticVectors,
  seed: number,
  queries: number,
  filter?: VectorFilter,
): string {
  return sha256(JSON.stringify({ v: GENERATOR_VERSION, spec, seed, queries, filter: filter ?? null }));
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Parses a vector file; throws with the line (or vector) number on anything malformed. */
export function parseVectorFile(bytes: Uint8Array, format: 'jsonl' | 'fvecs', field?: string): Vectors {
  return format === 'fvecs' ? parseFvecs(bytes) : parseJsonl(Buffer.from(bytes).toString('utf8'), field);
}

function parseJsonl(text: string, field?: string): Vectors {
  const rows: number[][] = [];
  const attrs: number[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, lineIndex) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `line ${lineIndex + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`vector file ${where}: not JSON`);
    }
    const obj = Array.isArray(parsed) ? { vector: parsed } : (parsed as Record<string, unknown> | null);
    const vector = obj?.vector ?? obj?.embedding;
    if (!Array.isArray(vector) || vector.length === 0 || !vector.every((v) => typeof v === 'number'))
      throw new Error(`vector file ${where}: expected an array of numbers, or {"vector": [...]}`);
    if (rows.length > 0 && vector.length !== rows[0]!.length)
      throw new Error(`vector file ${where}: ${vector.length} values, the first line has ${rows[0]!.length}`);
    rows.push(vector as number[]);
    if (field !== undefined) {
      const meta = (obj?.metadata ?? {}) as Record<string, unknown>;
      const value = meta[field];
      attrs.push(typeof value === 'number' ? value : Number.NaN);
    }
  });
  if (rows.length === 0) throw new Error('vector file: no vectors');
  const d = rows[0]!.length;
  const values = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    values.set(r, i * d);
  });
  return {
    dimension: d,
    count: rows.length,
    values,
    attrs: field === undefined ? null : Float64Array.from(attrs),
  };
}

function parseFvecs(bytes: Uint8Array): Vectors {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) throw new Error('fvecs file: empty');
  const d = view.getInt32(0, true);
  if (d <= 0 || d > 65_536) throw new Error(`fvecs file: dimension ${d} is not plausible`);
  const record = 4 + 4 * d;
  if (bytes.byteLength % record !== 0)
    throw new Error(`fvecs file: ${bytes.byteLength} bytes is not a whole number of ${record}-byte vectors`);
  const count = bytes.byteLength / record;
  const values = new Float32Array(count * d);
  for (let i = 0; i < count; i++) {
    const at = i * record;
    const di = view.getInt32(at, true);
    if (di !== d) throw new Error(`fvecs file: vector ${i} has dimension ${di}, the first ${d}`);
    for (let j = 0; j < d; j++) values[i * d + j] = view.getFloat32(at + 4 + 4 * j, true);
  }
  return { dimension: d, count, values, attrs: null };
}

/** Vectors `from` to `to` of a set, as a set of their own. */
export function slice(v: Vectors, from: number, to: number): Vectors {
  return {
    dimension: v.dimension,
    count: to - from,
    values: v.values.subarray(from * v.dimension, to * v.dimension),
    attrs: v.attrs ? v.attrs.subarray(from, to) : null,
  };
}

/**
 * A float32 in JSON, as short as reads back to the same float32: the 4 decimals of synthetic
 * data when they do, else 9 significant digits (enough for any float32).
 */
export function floatText(x: number): string {
  const short = round4(x);
  if (Math.fround(short) === x) return String(short);
  return String(Number(x.toPrecision(9)));
}

/** Vector i of a set as a JSON array. */
export function vectorJson(v: Vectors, i: number): string {
  const d = v.dimension;
  const parts = new Array<string>(d);
  for (let j = 0; j < d; j++) parts[j] = floatText(v.values[i * d + j]!);
  return `[${parts.join(',')}]`;
}
