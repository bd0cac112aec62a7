import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SyntheticVectors, VectorFilter } from '../../core/loadgen-protocol';
import {
  floatText,
  parseVectorFile,
  queryFilterValue,
  slice,
  synthesize,
  syntheticHash,
  vectorJson,
} from './data';
import { exactNeighbours } from './truth';
import { computeTruth, readTruth, truthCacheDir, truthKey, writeTruth } from './truth-cache';

const spec: SyntheticVectors = { kind: 'synthetic', size: 400, dimension: 8, clusters: 4, spread: 0.05 };
const filter: VectorFilter = { field: 'category', values: 5, op: 'eq' };

describe('synthetic vectors', () => {
  it('are the same for the same seed, and any range is the same slice of the whole', () => {
    const whole = synthesize(spec, 3, 'base', 0, 400, filter);
    expect(synthesize(spec, 3, 'base', 0, 400, filter)).toEqual(whole);
    const part = synthesize(spec, 3, 'base', 150, 220, filter);
    expect(part.count).toBe(70);
    expect([...part.values]).toEqual([...whole.values.subarray(150 * 8, 220 * 8)]);
    expect([...part.attrs!]).toEqual([...whole.attrs!.subarray(150, 220)]);
    expect(synthesize(spec, 4, 'base', 0, 400).values).not.toEqual(whole.values);
    // The filter field is drawn apart: the vectors are the same with or without it.
    expect(synthesize(spec, 3, 'base', 0, 400).values).toEqual(whole.values);
  });

  it('lie around their clusters, with 4-decimal values and the field in [0, values)', () => {
    const v = synthesize(spec, 3, 'base', 0, 400, filter);
    for (const x of v.values) {
      expect(Math.abs(x)).toBeLessThan(1.5);
      expect(floatText(x)).toMatch(/^-?\d+(\.\d{1,4})?$/);
    }
    expect(new Set(v.attrs)).toEqual(new Set([0, 1, 2, 3, 4]));
    // Tight clusters: a point's nearest neighbour is far nearer than the set's spread.
    const truth = exactNeighbours(v, v, 0, { k: 2, distance: 'l2', epsilon: 0 });
    expect(truth.ids[0]).toBe(0);
  });

  it('queries differ from the base set and carry no field', () => {
    const q = synthesize(spec, 3, 'queries', 0, 10, filter);
    expect(q.attrs).toBeNull();
    expect(q.values).not.toEqual(synthesize(spec, 3, 'base', 0, 10).values);
  });

  it('query filter values: fixed, or a seeded draw per query in [0, values)', () => {
    expect(queryFilterValue({ ...filter, value: 2 }, 3, 17)).toBe(2);
    const drawn = Array.from({ length: 200 }, (_, j) => queryFilterValue(filter, 3, j));
    expect(new Set(drawn)).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(Array.from({ length: 200 }, (_, j) => queryFilterValue(filter, 3, j))).toEqual(drawn);
  });

  it('the data set hash changes with anything that changes the data or the queries', () => {
    const h = syntheticHash(spec, 3, 100);
    expect(syntheticHash(spec, 3, 100)).toBe(h);
    expect(syntheticHash(spec, 4, 100)).not.toBe(h);
    expect(syntheticHash({ ...spec, spread: 0.06 }, 3, 100)).not.toBe(h);
    expect(syntheticHash(spec, 3, 101)).not.toBe(h);
    expect(syntheticHash(spec, 3, 100, filter)).not.toBe(h);
  });
});

describe('vector text', () => {
  it('prints a float32 so that it reads back to the same float32', () => {
    for (const x of [0.1234, -0.5, 1, 0, 1e-7, 123456.789, Math.PI, -2.5e-3]) {
      const f = Math.fround(x);
      expect(Math.fround(Number(floatText(f)))).toBe(f);
    }
    expect(floatText(Math.fround(0.1234))).toBe('0.1234');
  });

  it('a vector is a JSON array of them', () => {
    const v = synthesize(spec, 3, 'base', 5, 6);
    const parsed = JSON.parse(vectorJson(v, 0)) as number[];
    expect(parsed.map(Math.fround)).toEqual([...v.values]);
  });
});

describe('vector files', () => {
  it('JSONL: arrays or {vector, metadata} lines, blank lines skipped, the field read', () => {
    const text = '[1,2]\n\n{"vector":[3,4],"metadata":{"c":2}}\n{"embedding":[5,6],"metadata":{"c":"x"}}\n';
    const v = parseVectorFile(Buffer.from(text), 'jsonl', 'c');
    expect(v).toMatchObject({ dimension: 2, count: 3 });
    expect([...v.values]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...v.attrs!]).toEqual([Number.NaN, 2, Number.NaN]);
    expect(parseVectorFile(Buffer.from(text), 'jsonl').attrs).toBeNull();
  });

  it('JSONL: says which line is wrong', () => {
    expect(() => parseVectorFile(Buffer.from('[1,2]\n[1,2,3]\n'), 'jsonl')).toThrow(/line 2: 3 values/);
    expect(() => parseVectorFile(Buffer.from('[1,2]\nnope\n'), 'jsonl')).toThrow(/line 2: not JSON/);
    expect(() => parseVectorFile(Buffer.from('{"v":[1]}\n'), 'jsonl')).toThrow(/line 1: expected/);
    expect(() => parseVectorFile(Buffer.from('\n'), 'jsonl')).toThrow(/no vectors/);
  });

  it('fvecs: little-endian dimension then float32 values per vector', () => {
    const rows = [
      [0.5, -1.25, 3],
      [7, 8, 9],
    ];
    const buf = Buffer.alloc(rows.length * 16);
    rows.forEach((r, i) => {
      buf.writeInt32LE(3, i * 16);
      r.forEach((x, j) => {
        buf.writeFloatLE(x, i * 16 + 4 + 4 * j);
      });
    });
    const v = parseVectorFile(buf, 'fvecs');
    expect(v).toMatchObject({ dimension: 3, count: 2, attrs: null });
    expect([...v.values]).toEqual(rows.flat());
    expect([...slice(v, 1, 2).values]).toEqual([7, 8, 9]);
    expect(() => parseVectorFile(buf.subarray(0, 20), 'fvecs')).toThrow(/whole number/);
    const other = Buffer.from(buf);
    other.writeInt32LE(2, 16);
    expect(() => parseVectorFile(other, 'fvecs')).toThrow(/vector 1 has dimension 2/);
  });
});

describe('the ground-truth cache', () => {
  const base = synthesize(spec, 3, 'base', 0, 400, filter);
  const queries = synthesize(spec, 3, 'queries', 0, 20);
  const truthSpec = {
    dataHash: syntheticHash(spec, 3, 20, filter),
    queryIndices: [1, 3, 5],
    k: 5,
    distance: 'cosine' as const,
    epsilon: 1e-3,
    filter,
    filterValues: [0, 1, 2],
  };

  it('computes brute force per query with its own filter value', () => {
    const truths = computeTruth(base, queries, truthSpec);
    expect(truths).toHaveLength(3);
    expect(truths[1]).toEqual(
      exactNeighbours(base, queries, 3, {
        k: 5,
        distance: 'cosine',
        epsilon: 1e-3,
        filter: { op: 'eq', value: 1 },
      }),
    );
    for (const [n, t] of truths.entries()) {
      expect(t.possible).toBe(5);
      for (const id of t.ids) expect(base.attrs![id]).toBe(n);
    }
  });

  it('reads back what was written under the same key, nothing under another', () => {
    const dir = truthCacheDir({ AIFB_CACHE: mkdtempSync(join(tmpdir(), 'truth-')) }, '/nonexistent');
    expect(dir.endsWith('vector-truth')).toBe(true);
    const key = truthKey(truthSpec);
    expect(readTruth(dir, key)).toBeNull();
    const truths = computeTruth(base, queries, truthSpec);
    writeTruth(dir, key, truths);
    expect(readTruth(dir, key)).toEqual(truths);
    expect(truthKey({ ...truthSpec, queryIndices: [1, 3, 7] })).not.toBe(key);
    expect(truthKey({ ...truthSpec, k: 6 })).not.toBe(key);
    expect(truthKey({ ...truthSpec, epsilon: 0 })).not.toBe(key);
    expect(truthKey({ ...truthSpec, filterValues: [0, 1, 3] })).not.toBe(key);
  });

  it('falls back to the job folder when the cache cannot be made', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'truth-')), 'a-file');
    writeFileSync(file, '');
    expect(truthCacheDir({ AIFB_CACHE: join(file, 'below') }, '/job')).toBe('/job');
  });
});
