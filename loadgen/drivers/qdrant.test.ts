// The Qdrant engine cannot meet a real Qdrant here (no server installs from the registries): its
// requests are checked against Qdrant's published OpenAPI document, and the whole driver runs
// against a stand-in that checks every request and answer by that document.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadgenConfig, VectorWorkloadSettings } from '../../core/loadgen-protocol';
import { qdrantVersion, requestProblems } from '../../test/fixtures/qdrant/openapi';
import { type QdrantStandIn, startQdrantStandIn } from '../../test/fixtures/qdrant/standin';
import { runLoadgen } from '../runner';
import { validConfig } from '../testing';
import type { CollectionSpec } from '../vector/engine';
import { parseQdrantQuery, qdrantCount, qdrantCreate, qdrantInfo, qdrantQuery, qdrantUpsert } from './qdrant';

const spec: CollectionSpec = {
  name: 'aifb-test',
  dimension: 3,
  distance: 'cosine',
  index: { m: 8, efConstruction: 64, efSearch: 32 },
  field: 'category',
};

const problems = (call: { method: string; path: string; body?: string }) =>
  requestProblems(call.method, call.path, call.body);

describe('qdrant requests, by its OpenAPI document', () => {
  it('uses the vendored v1.19 document', () => {
    expect(qdrantVersion).toBe('v1.19.x');
  });

  it('creates collections for every distance, with and without HNSW settings', () => {
    for (const distance of ['cosine', 'l2', 'ip'] as const) {
      expect(problems(qdrantCreate('', { ...spec, distance }))).toEqual([]);
      expect(problems(qdrantCreate('', { ...spec, distance, index: {} }))).toEqual([]);
    }
    expect(JSON.parse(qdrantCreate('', { ...spec, distance: 'l2' }).body!)).toEqual({
      vectors: { size: 3, distance: 'Euclid' },
      hnsw_config: { m: 8, ef_construct: 64 },
    });
  });

  it('upserts points with payloads (and without, for a missing value)', () => {
    const call = qdrantUpsert('', spec, [0, 1], ['[0.1,0.2,0.3]', '[1,0,0]'], [3, Number.NaN]);
    expect(problems(call)).toEqual([]);
    expect(call.path).toBe('/collections/aifb-test/points?wait=true');
    expect(JSON.parse(call.body!).points).toEqual([
      { id: 0, vector: [0.1, 0.2, 0.3], payload: { category: 3 } },
      { id: 1, vector: [1, 0, 0] },
    ]);
  });

  it('queries with each filter operator, and counts and reads the collection', () => {
    for (const op of ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'] as const)
      expect(problems(qdrantQuery('', spec, '[1,0,0]', 10, { field: 'category', op, value: 2 }))).toEqual([]);
    const plain = qdrantQuery('', { ...spec, index: {} }, '[1,0,0]', 5);
    expect(problems(plain)).toEqual([]);
    expect(JSON.parse(plain.body!)).toEqual({
      query: [1, 0, 0],
      limit: 5,
      with_payload: false,
      with_vector: false,
    });
    expect(problems(qdrantCount('', spec))).toEqual([]);
    expect(problems(qdrantInfo('', spec))).toEqual([]);
  });

  it('the checker itself refuses what the document forbids', () => {
    const bad = qdrantQuery('', spec, '[1,0,0]', 10);
    expect(problems({ ...bad, body: bad.body!.replace('"limit":10', '"limit":0') })).not.toEqual([]);
    expect(problems({ ...bad, path: `${bad.path}?wait=true` })).not.toEqual([]);
  });

  it('reads the ids of an answer, and refuses one without points', () => {
    expect(
      parseQdrantQuery('{"result":{"points":[{"id":4,"score":0.9,"version":0}]},"status":"ok"}'),
    ).toEqual([4]);
    expect(() => parseQdrantQuery('{"result":[]}')).toThrow(/result.points/);
  });
});

let standIn: QdrantStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

function vectorConfig(
  baseUrl: string,
  clientCount: number,
  workload: Partial<VectorWorkloadSettings> = {},
): LoadgenConfig {
  return {
    ...validConfig,
    api: 'vector-search',
    baseUrl,
    clientCount,
    load: { mode: 'concurrency', concurrency: 2 * clientCount },
    timing: { warmupMs: 0, cooldownMs: 2000, maxRequests: 40 * clientCount },
    workload: {
      kind: 'vector-search',
      engine: 'qdrant',
      data: { kind: 'synthetic', size: 600, dimension: 8, clusters: 4, spread: 0.2 },
      queries: 40,
      distance: 'cosine',
      k: 10,
      seed: 7,
      insert: { batchSize: 64, concurrency: 2 },
      index: {},
      recallEpsilon: 1e-3,
      indexTimeoutMs: 10_000,
      ...workload,
    },
  };
}

/** Every client of the stage at once, as the clients job runs them. */
function runClients(config: LoadgenConfig, cache: string) {
  return Promise.all(
    Array.from({ length: config.clientCount }, (_, clientIndex) =>
      runLoadgen(config, {
        clientIndex,
        outDir: mkdtempSync(join(tmpdir(), 'vector-q-')),
        log: () => {},
        env: { AIFB_CACHE: cache },
      }),
    ),
  );
}

describe('vector-search against the Qdrant stand-in', () => {
  it('inserts each share once, times the index build, and scores exact answers as recall 1', async () => {
    standIn = await startQdrantStandIn({ optimisingReads: 3 });
    const cache = mkdtempSync(join(tmpdir(), 'vector-cache-'));
    const config = vectorConfig(standIn.url, 2, { filter: { field: 'category', values: 4, op: 'eq' } });
    const results = await runClients(config, cache);
    expect(standIn.problems).toEqual([]);
    const [coll] = [...standIn.collections.values()];
    expect(coll!.points.size).toBe(600);
    expect(results.map((r) => r.workload?.phases?.insert?.items)).toEqual([300, 300]);
    // Client 0 waited for the index (the stand-in says yellow for 3 reads after an insert).
    expect(results[0]!.workload?.phases?.index).toMatchObject({ items: 600, failed: 0 });
    expect(results[1]!.workload?.phases?.index).toBeUndefined();
    for (const r of results) {
      expect(r.measured.failed).toBe(0);
      expect(r.measured.ok).toBe(40);
      expect(r.workload?.counters?.recallPossible).toBe(400);
      expect(r.workload?.counters?.recallHits).toBe(400);
    }

    // A second stage: the collection is complete, so nothing is inserted again.
    const again = await runClients({ ...config, stageIndex: 1 }, cache);
    expect(again.map((r) => r.workload?.phases)).toEqual([undefined, undefined]);
    expect(standIn.requests.filter((r) => r.method === 'PUT' && r.path.includes('/points'))).toHaveLength(
      2 * Math.ceil(300 / 64),
    );
  });

  it('scores wrong answers as such', async () => {
    standIn = await startQdrantStandIn({ answer: 'farthest' });
    const [result] = await runClients(
      vectorConfig(standIn.url, 1, { distance: 'l2' }),
      mkdtempSync(join(tmpdir(), 'vector-cache-')),
    );
    expect(standIn.problems).toEqual([]);
    expect(result!.measured.ok).toBe(40);
    expect(result!.workload?.counters?.recallPossible).toBe(400);
    expect(result!.workload!.counters!.recallHits!).toBeLessThan(40);
  });

  it('fails the client when the collection exists with other settings', async () => {
    standIn = await startQdrantStandIn();
    const config = vectorConfig(standIn.url, 1, { collection: 'shared', distance: 'ip' });
    await runClients(
      vectorConfig(standIn.url, 1, { collection: 'shared' }),
      mkdtempSync(join(tmpdir(), 'vc-')),
    );
    await expect(runClients(config, mkdtempSync(join(tmpdir(), 'vc-')))).rejects.toThrow(
      /exists with size 8 and distance Cosine, not 8 and Dot/,
    );
  });
});
