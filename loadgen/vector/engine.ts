/**
 * What the `vector-search` driver needs of a vector database's API: a collection to open, its
 * size, the requests that insert a batch and ask one query, how to read a query's answer, and
 * (where the database says) whether its index is complete. One implementation per engine
 * (loadgen/drivers/chroma.ts, qdrant.ts), speaking its HTTP API directly.
 */
import type { VectorDistance, VectorFilterOp } from '../../core/loadgen-protocol';
import type { HttpCall } from '../drivers/http-op';

/** One plain request and its answer (setup calls: create, count, index status). */
export type Request = (call: HttpCall) => Promise<{ status: number; body: string }>;

export interface CollectionSpec {
  name: string;
  dimension: number;
  distance: VectorDistance;
  index: { m?: number; efConstruction?: number; efSearch?: number };
  /** The filter field, stored as metadata with every vector; absent without a filter. */
  field?: string;
}

export interface QueryFilter {
  field: string;
  op: VectorFilterOp;
  value: number;
}

export interface VectorEngineApi {
  /** Creates the collection or opens the one there; throws when it exists with other settings. */
  open(): Promise<void>;
  count(): Promise<number>;
  /** Inserts (upserts: a second insert of the same ids is harmless) vectors by id. */
  upsert(ids: readonly number[], vectors: readonly string[], attrs: readonly number[] | null): HttpCall;
  /** A k-nearest-neighbour query; `vector` is the JSON array. */
  query(vector: string, k: number, filter?: QueryFilter): HttpCall;
  /** The ids of a query's answer, nearest first; throws on a body that is not one. */
  parseQuery(body: string): number[];
  /** Whether the index is complete; null when the database does not report it. */
  indexDone(): Promise<boolean | null>;
}

/** An error answer as an exception carrying the status (failure kind `http_<status>`). */
export class HttpStatusError extends Error {
  readonly kind: string;
  constructor(
    readonly status: number,
    what: string,
    body: string,
  ) {
    super(`${what} answered ${status}: ${body.slice(0, 300)}`);
    this.kind = `http_${status}`;
  }
}

/** The JSON of a 2xx answer; throws HttpStatusError otherwise. */
export async function callJson(request: Request, call: HttpCall, what: string): Promise<unknown> {
  const res = await request(call);
  if (res.status < 200 || res.status >= 300) throw new HttpStatusError(res.status, what, res.body);
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    throw new Error(`${what} answered ${res.status} with a body that is not JSON: ${res.body.slice(0, 200)}`);
  }
}

export const jsonHeaders = { 'content-type': 'application/json', accept: 'application/json' };
