/**
 * Chroma's HTTP API (v2, as `chroma run` of chromadb 1.x serves it; its OpenAPI document is at
 * /openapi.json): collections in the default tenant and database, configured with the HNSW
 * space and settings asked; ids are the vectors' indices as strings.
 */
import type { VectorFilterOp } from '../../core/loadgen-protocol';
import {
  type CollectionSpec,
  callJson,
  jsonHeaders,
  type QueryFilter,
  type Request,
  type VectorEngineApi,
} from '../vector/engine';
import type { HttpCall } from './http-op';

const DATABASE = '/api/v2/tenants/default_tenant/databases/default_database';

const WHERE_OPS: Record<VectorFilterOp, string> = {
  eq: '$eq',
  ne: '$ne',
  lt: '$lt',
  lte: '$lte',
  gt: '$gt',
  gte: '$gte',
};

/** The create-or-open request (`get_or_create`: every client may send it at once). */
export function chromaCreate(prefix: string, spec: CollectionSpec): HttpCall {
  const hnsw = {
    space: spec.distance,
    ...(spec.index.m !== undefined ? { max_neighbors: spec.index.m } : {}),
    ...(spec.index.efConstruction !== undefined ? { ef_construction: spec.index.efConstruction } : {}),
    ...(spec.index.efSearch !== undefined ? { ef_search: spec.index.efSearch } : {}),
  };
  return {
    method: 'POST',
    path: `${prefix}${DATABASE}/collections`,
    headers: jsonHeaders,
    body: JSON.stringify({ name: spec.name, configuration: { hnsw }, get_or_create: true }),
  };
}

export function chromaUpsert(
  collectionPath: string,
  field: string | undefined,
  ids: readonly number[],
  vectors: readonly string[],
  attrs: readonly number[] | null,
): HttpCall {
  // Vectors are already JSON arrays: spliced in, not parsed and printed again.
  const metadatas =
    field !== undefined && attrs
      ? `,"metadatas":${JSON.stringify(attrs.map((a) => (Number.isNaN(a) ? null : { [field]: a })))}`
      : '';
  return {
    method: 'POST',
    path: `${collectionPath}/upsert`,
    headers: jsonHeaders,
    body: `{"ids":${JSON.stringify(ids.map(String))},"embeddings":[${vectors.join(',')}]${metadatas}}`,
  };
}

export function chromaQuery(
  collectionPath: string,
  vector: string,
  k: number,
  filter?: QueryFilter,
): HttpCall {
  const where = filter
    ? `,"where":${JSON.stringify({ [filter.field]: { [WHERE_OPS[filter.op]]: filter.value } })}`
    : '';
  return {
    method: 'POST',
    path: `${collectionPath}/query`,
    headers: jsonHeaders,
    body: `{"query_embeddings":[${vector}],"n_results":${k},"include":["distances"]${where}}`,
  };
}

/** The ids of the one query's answer (`ids[0]`), as numbers. */
export function parseChromaQuery(body: string): number[] {
  const parsed = JSON.parse(body) as { ids?: unknown };
  const first = Array.isArray(parsed.ids) ? parsed.ids[0] : undefined;
  if (!Array.isArray(first)) throw new Error('a Chroma query answer without ids[0]');
  return first.map((id) => {
    const n = Number(id);
    if (!Number.isInteger(n))
      throw new Error(`a Chroma query answered id ${JSON.stringify(id)}, not one of aifb's`);
    return n;
  });
}

export class ChromaEngine implements VectorEngineApi {
  private collectionPath = '';

  constructor(
    private readonly request: Request,
    private readonly prefix: string,
    private readonly spec: CollectionSpec,
  ) {}

  async open(): Promise<void> {
    const created = (await callJson(
      this.request,
      chromaCreate(this.prefix, this.spec),
      'creating the collection',
    )) as {
      id?: string;
      configuration_json?: { hnsw?: { space?: string } | null };
    };
    if (typeof created.id !== 'string') throw new Error('Chroma created a collection without an id');
    // get_or_create returns an existing collection as it is: its space must be the one asked.
    const space = created.configuration_json?.hnsw?.space;
    if (space !== undefined && space !== this.spec.distance)
      throw new Error(
        `collection ${this.spec.name} exists with distance ${space}, not ${this.spec.distance}: name another collection`,
      );
    this.collectionPath = `${this.prefix}${DATABASE}/collections/${encodeURIComponent(created.id)}`;
  }

  async count(): Promise<number> {
    const n = await callJson(
      this.request,
      { method: 'GET', path: `${this.collectionPath}/count`, headers: jsonHeaders },
      'counting the collection',
    );
    if (typeof n !== 'number') throw new Error(`Chroma counted ${JSON.stringify(n)}`);
    return n;
  }

  upsert(ids: readonly number[], vectors: readonly string[], attrs: readonly number[] | null): HttpCall {
    return chromaUpsert(this.collectionPath, this.spec.field, ids, vectors, attrs);
  }

  query(vector: string, k: number, filter?: QueryFilter): HttpCall {
    return chromaQuery(this.collectionPath, vector, k, filter);
  }

  parseQuery(body: string): number[] {
    return parseChromaQuery(body);
  }

  /** Chroma's indexing status; a single-node `chroma run` does not implement it (null). */
  async indexDone(): Promise<boolean | null> {
    const res = await this.request({
      method: 'GET',
      path: `${this.collectionPath}/indexing_status`,
      headers: jsonHeaders,
    });
    if (res.status !== 200) return null;
    const status = JSON.parse(res.body) as { num_unindexed_ops?: number };
    return typeof status.num_unindexed_ops === 'number' ? status.num_unindexed_ops === 0 : null;
  }
}
