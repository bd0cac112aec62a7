// Chroma's requests as built here; the real server answers them in the integration and slurm
// tiers (test/integration/vector.test.ts, test/slurm/vector.test.ts).
import { describe, expect, it } from 'vitest';
import { chromaCreate, chromaQuery, chromaUpsert, parseChromaQuery } from './chroma';

describe('chroma requests', () => {
  it('create-or-open with the HNSW space and the settings asked', () => {
    const call = chromaCreate('/prefix', {
      name: 'aifb-x',
      dimension: 4,
      distance: 'ip',
      index: { m: 8, efConstruction: 50, efSearch: 20 },
    });
    expect(call.path).toBe('/prefix/api/v2/tenants/default_tenant/databases/default_database/collections');
    expect(JSON.parse(call.body!)).toEqual({
      name: 'aifb-x',
      configuration: { hnsw: { space: 'ip', max_neighbors: 8, ef_construction: 50, ef_search: 20 } },
      get_or_create: true,
    });
  });

  it('upserts ids as strings, the filter field as metadata (null where a vector has none)', () => {
    const call = chromaUpsert('/c', 'cat', [7, 8], ['[1,2]', '[3,4]'], [2, Number.NaN]);
    expect(call.path).toBe('/c/upsert');
    expect(JSON.parse(call.body!)).toEqual({
      ids: ['7', '8'],
      embeddings: [
        [1, 2],
        [3, 4],
      ],
      metadatas: [{ cat: 2 }, null],
    });
    expect(JSON.parse(chromaUpsert('/c', undefined, [1], ['[1]'], null).body!)).toEqual({
      ids: ['1'],
      embeddings: [[1]],
    });
  });

  it('queries k neighbours, with a where clause for a filter', () => {
    expect(JSON.parse(chromaQuery('/c', '[1,0]', 10).body!)).toEqual({
      query_embeddings: [[1, 0]],
      n_results: 10,
      include: ['distances'],
    });
    expect(
      JSON.parse(chromaQuery('/c', '[1,0]', 3, { field: 'cat', op: 'gte', value: 2 }).body!).where,
    ).toEqual({
      cat: { $gte: 2 },
    });
  });

  it('reads the ids of the answer', () => {
    expect(parseChromaQuery('{"ids":[["3","10","2"]],"distances":[[0.1,0.2,0.3]]}')).toEqual([3, 10, 2]);
    expect(() => parseChromaQuery('{"ids":[]}')).toThrow(/ids\[0\]/);
    expect(() => parseChromaQuery('{"ids":[["doc-1"]]}')).toThrow(/not one of aifb's/);
  });
});
