/**
 * Qdrant's REST API (v1.x: the vendored OpenAPI document in test/fixtures/qdrant checks every
 * request built here): a collection of one unnamed vector per point, ids the vectors' indices,
 * the filter field in each point's payload; queries through the universal `points/query`.
 * No Qdrant server installs from the package registries here, so this engine is tested against
 * that document and a stand-in that validates by it (qdrant.test.ts), not a real server.
 */
import type { VectorDistance } from '../../core/loadgen-protocol';
import {
  type CollectionSpec,
  callJson,
  jsonHeaders,
  type QueryFilter,
  type Request,
  type VectorEngineApi,
} from '../vector/engine';
import type { HttpCall } from './http-op';

const DISTANCES: Record<VectorDistance, 'Cosine' | 'Euclid' | 'Dot'> = {
  cosine: 'Cosine',
  l2: 'Euclid',
  ip: 'Dot',
};

const collectionPath = (prefix: string, name: string) => `${prefix}/collections/${encodeURIComponent(name)}`;

export function qdrantCreate(prefix: string, spec: CollectionSpec): HttpCall {
  const hnsw = {
    ...(spec.index.m !== undefined ? { m: spec.index.m } : {}),
    ...(spec.index.efConstruction !== undefined ? { ef_construct: spec.index.efConstruction } : {}),
  };
  return {
    method: 'PUT',
    path: collectionPath(prefix, spec.name),
    headers: jsonHeaders,
    body: JSON.stringify({
      vectors: { size: spec.dimension, distance: DISTANCES[spec.distance] },
      ...(Object.keys(hnsw).length > 0 ? { hnsw_config: hnsw } : {}),
    }),
  };
}

/** `wait=true`: the answer comes once the points are stored, so the batch's latency is the insert's. */
export function qdrantUpsert(
  prefix: string,
  spec: CollectionSpec,
  ids: readonly number[],
  vectors: readonly string[],
  attrs: readonly number[] | null,
): HttpCall {
  const field = spec.field;
  const points = ids.map((id, n) => {
    const attr = attrs?.[n];
    const payload =
      field !== undefined && attr !== undefined && !Number.isNaN(attr)
        ? `,"payload":${JSON.stringify({ [field]: attr })}`
        : '';
    return `{"id":${id},"vector":${vectors[n]}${payload}}`;
  });
  return {
    method: 'PUT',
    path: `${collectionPath(prefix, spec.name)}/points?wait=true`,
    headers: jsonHeaders,
    body: `{"points":[${points.join(',')}]}`,
  };
}

/** Qdrant's filter for one query: a match, a range, or (ne) neither that value nor no value. */
export function qdrantFilter(filter: QueryFilter): Record<string, unknown> {
  const { field: key, op, value } = filter;
  if (op === 'eq') return { must: [{ key, match: { value } }] };
  if (op === 'ne') return { must_not: [{ key, match: { value } }, { is_empty: { key } }] };
  return { must: [{ key, range: { [op]: value } }] };
}

export function qdrantQuery(
  prefix: string,
  spec: CollectionSpec,
  vector: string,
  k: number,
  filter?: QueryFilter,
): HttpCall {
  const extra = {
    ...(filter ? { filter: qdrantFilter(filter) } : {}),
    ...(spec.index.efSearch !== undefined ? { params: { hnsw_ef: spec.index.efSearch } } : {}),
    limit: k,
    with_payload: false,
    with_vector: false,
  };
  return {
    method: 'POST',
    path: `${collectionPath(prefix, spec.name)}/points/query`,
    headers: jsonHeaders,
    body: `{"query":${vector},${JSON.stringify(extra).slice(1)}`,
  };
}

export function qdrantCount(prefix: string, spec: CollectionSpec): HttpCall {
  return {
    method: 'POST',
    path: `${collectionPath(prefix, spec.name)}/points/count`,
    headers: jsonHeaders,
    body: JSON.stringify({ exact: true }),
  };
}

export function qdrantInfo(prefix: string, spec: CollectionSpec): HttpCall {
  return { method: 'GET', path: collectionPath(prefix, spec.name), headers: jsonHeaders };
}

export function parseQdrantQuery(body: string): number[] {
  const parsed = JSON.parse(body) as { result?: { points?: unknown } };
  const points = parsed.result?.points;
  if (!Array.isArray(points)) throw new Error('a Qdrant query answer without result.points');
  return points.map((p) => {
    const id = (p as { id?: unknown }).id;
    if (typeof id !== 'number')
      throw new Error(`a Qdrant query answered id ${JSON.stringify(id)}, not one of aifb's`);
    return id;
  });
}

interface CollectionInfo {
  status?: string;
  points_count?: number | null;
  config?: { params?: { vectors?: { size?: number; distance?: string } } };
}

export class QdrantEngine implements VectorEngineApi {
  constructor(
    private readonly request: Request,
    private readonly prefix: string,
    private readonly spec: CollectionSpec,
  ) {}

  async open(): Promise<void> {
    const res = await this.request(qdrantCreate(this.prefix, this.spec));
    if (res.status >= 200 && res.status < 300) return;
    // Created by another client (or an earlier benchmark): it must have our vector settings.
    const info = await this.info();
    const vectors = info.config?.params?.vectors;
    const want = DISTANCES[this.spec.distance];
    if (vectors?.size !== this.spec.dimension || vectors?.distance !== want)
      throw new Error(
        `collection ${this.spec.name} exists with size ${vectors?.size} and distance ${vectors?.distance}, ` +
          `not ${this.spec.dimension} and ${want} (creating it answered ${res.status}: ${res.body.slice(0, 200)})`,
      );
  }

  private async info(): Promise<CollectionInfo> {
    const body = (await callJson(
      this.request,
      qdrantInfo(this.prefix, this.spec),
      'reading the collection',
    )) as {
      result?: CollectionInfo;
    };
    return body.result ?? {};
  }

  async count(): Promise<number> {
    const body = (await callJson(
      this.request,
      qdrantCount(this.prefix, this.spec),
      'counting the collection',
    )) as {
      result?: { count?: unknown };
    };
    const n = body.result?.count;
    if (typeof n !== 'number') throw new Error(`Qdrant counted ${JSON.stringify(body.result)}`);
    return n;
  }

  upsert(ids: readonly number[], vectors: readonly string[], attrs: readonly number[] | null): HttpCall {
    return qdrantUpsert(this.prefix, this.spec, ids, vectors, attrs);
  }

  query(vector: string, k: number, filter?: QueryFilter): HttpCall {
    return qdrantQuery(this.prefix, this.spec, vector, k, filter);
  }

  parseQuery(body: string): number[] {
    return parseQdrantQuery(body);
  }

  /** Green: every optimisation (index building among them) is done. */
  async indexDone(): Promise<boolean | null> {
    return (await this.info()).status === 'green';
  }
}
