// The recipe's workload.vector block (core/recipe-vector.ts) and what reaches the client: the
// loadgen config it makes must pass the load generator's own validation.
import { describe, expect, it } from 'vitest';
import { loadgenFiles } from '../../core/jobs';
import { loadgenConfig } from '../../core/loadgen-config';
import { parseRecipe, type Recipe } from '../../core/recipe';
import { parseLoadgenConfig } from '../config';

function parse(vector: Record<string, unknown>, service: Record<string, unknown> = { kind: 'chroma' }) {
  return parseRecipe({
    name: 'vs',
    service,
    workload: {
      kind: 'vector-search',
      vector,
      clients: { count: 2 },
      stages: [{ name: 'a', mode: 'concurrency', concurrency: 2, duration: '1s' }],
    },
  });
}

function recipe(vector: Record<string, unknown>, service?: Record<string, unknown>): Recipe {
  const r = parse(vector, service);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.recipe;
}

const issues = (r: ReturnType<typeof parse>) => (r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`));

describe('workload.vector', () => {
  it('defaults to a synthetic set, cosine, k 10, the service kind as engine, and passes loadgen validation', () => {
    const cfg = loadgenConfig('b-1', recipe({}), 0, 'http://127.0.0.1:1');
    expect(cfg.api).toBe('vector-search');
    expect(cfg.model).toBe('-');
    expect(cfg.workload).toEqual({
      kind: 'vector-search',
      engine: 'chroma',
      data: { kind: 'synthetic', size: 10_000, dimension: 64, clusters: 16, spread: 0.1 },
      queries: 1000,
      distance: 'cosine',
      k: 10,
      seed: 1,
      insert: { batchSize: 256, concurrency: 1 },
      index: {},
      recallEpsilon: 0.001,
      indexTimeoutMs: 600_000,
    });
    expect(parseLoadgenConfig(JSON.parse(JSON.stringify(cfg)))).toEqual(cfg);
  });

  it('carries a file set, a filter and index settings; the engine may be named for another kind', () => {
    const cfg = loadgenConfig(
      'b-1',
      recipe(
        {
          engine: 'qdrant',
          collection: 'my.vectors-1',
          file: { path: '/data/base.fvecs', queries: '/data/query.fvecs' },
          queries: 50,
          distance: 'l2',
          k: 5,
          filter: { field: 'category', values: 4, op: 'lt', value: 2 },
          index: { m: 32, efSearch: 200 },
          indexTimeout: '90s',
        },
        { kind: 'external', url: 'http://vectors.example.org:6333', model: 'x' },
      ),
      0,
      'http://127.0.0.1:1',
    );
    expect(cfg.workload).toMatchObject({
      engine: 'qdrant',
      collection: 'my.vectors-1',
      data: {
        kind: 'file',
        file: loadgenFiles.vectors,
        format: 'fvecs',
        queriesFile: loadgenFiles.vectorQueries,
      },
      filter: { field: 'category', values: 4, op: 'lt', value: 2 },
      index: { m: 32, efSearch: 200 },
      indexTimeoutMs: 90_000,
    });
    expect(parseLoadgenConfig(JSON.parse(JSON.stringify(cfg)))).toEqual(cfg);
    const jsonl = loadgenConfig('b-1', recipe({ file: { path: 'v.jsonl' }, queries: 10 }), 0, 'http://h:1');
    expect(jsonl.workload).toMatchObject({ data: { kind: 'file', format: 'jsonl' } });
    expect((jsonl.workload as { data: object }).data).not.toHaveProperty('queriesFile');
  });

  it('refuses what cannot work, each with its path', () => {
    expect(issues(parse({}, { kind: 'command', command: ['db', '{port}'] }))).toEqual([
      'workload.vector.engine: service kind command is not a vector database: say which API it speaks (chroma, qdrant)',
    ]);
    expect(issues(parse({ synthetic: {}, file: { path: 'x' } }))).toEqual([
      'workload.vector.file: give synthetic or file, not both',
    ]);
    expect(issues(parse({ queries: 1 }))).toEqual([
      'workload.vector.queries: queries 1 is less than clients.count 2: some clients would ask nothing',
    ]);
    expect(issues(parse({ collection: 'x' }))[0]).toMatch(/^workload\.vector\.collection: 3-128/);
    expect(issues(parse({ distance: 'hamming', k: 0 })).map((i) => i.split(':')[0])).toEqual([
      'workload.vector.distance',
      'workload.vector.k',
    ]);
    expect(issues(parse({ filter: { field: 'a b' } }))[0]).toMatch(/^workload\.vector\.filter\.field/);
  });

  it('is refused on another kind, and another kind’s block on it', () => {
    const onChat = parseRecipe({
      name: 'vs',
      service: { kind: 'simulator' },
      workload: { kind: 'openai-chat', vector: {}, stages: [{ mode: 'synchronous', maxRequests: 1 }] },
    });
    expect(issues(onChat)).toEqual([
      'workload.vector: workload.vector is for kind vector-search, not openai-chat',
    ]);
    const missing = parseRecipe({
      name: 'vs',
      service: { kind: 'chroma' },
      workload: { kind: 'vector-search', stages: [{ mode: 'synchronous', maxRequests: 1 }] },
    });
    expect(issues(missing)).toEqual(['workload.vector: kind vector-search needs workload.vector']);
  });
});
