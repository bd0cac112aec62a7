/**
 * `vector-search`: before the stage clock (prepare) each client opens the collection, inserts
 * its exact share of the data set unless the collection already holds all of it (so a benchmark
 * inserts once, at its first stage), client 0 times the index build where the database reports
 * it, and each client gets the exact neighbours of its own queries (cached). Each operation is
 * then one query, scored for recall@k against them (counters recallHits / recallPossible).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { VectorWorkloadSettings } from '../../core/loadgen-protocol';
import { clientShare } from '../config';
import { type DriverContext, PendingOp, type PhaseRecorder, type WorkloadDriver } from '../driver';
import { queryFilterValue, sha256, vectorJson } from '../vector/data';
import type { CollectionSpec, QueryFilter, Request, VectorEngineApi } from '../vector/engine';
import { openSource, type VectorSource } from '../vector/source';
import { recallOf } from '../vector/truth';
import { computeTruth, readTruth, truthCacheDir, truthKey, writeTruth } from '../vector/truth-cache';
import { ChromaEngine } from './chroma';
import { type HttpCall, httpOp } from './http-op';
import { apiKey, connectionOptions } from './llm';
import { QdrantEngine } from './qdrant';

/** The default collection: one per data set, distance and index settings (never reused wrongly). */
export function defaultCollection(s: VectorWorkloadSettings, dataHash: string): string {
  return `aifb-${sha256(JSON.stringify([dataHash, s.distance, s.index])).slice(0, 16)}`;
}

/** The first base index of client `index`'s insert share (shares as clientShare splits them). */
export function shareStart(total: number, count: number, index: number): number {
  return index * Math.floor(total / count) + Math.min(index, total % count);
}

const POLL_MS = 200;

export class VectorDriver implements WorkloadDriver {
  private readonly pool: Pool;
  private readonly settings: VectorWorkloadSettings;
  private readonly prefix: string;
  private readonly headers: Record<string, string>;
  private engine!: VectorEngineApi;
  /** This client's queries (indices j ≡ client mod clients), their requests and truths. */
  private calls: HttpCall[] = [];
  private truths: { ids: Set<number>; possible: number }[] = [];
  private next = 0;

  constructor(private readonly ctx: DriverContext) {
    const { config } = ctx;
    if (config.workload?.kind !== 'vector-search')
      throw new Error('the vector-search workload needs its settings (workload.vector)');
    this.settings = config.workload;
    const url = new URL(config.baseUrl);
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: Math.max(1, ctx.connections, this.settings.insert.concurrency),
      ...connectionOptions(config),
    });
    const key = apiKey(config, ctx.env);
    this.headers = key ? { authorization: `Bearer ${key}` } : {};
  }

  private readonly request: Request = async (call) => {
    const res = await this.pool.request({ ...call, headers: { ...call.headers, ...this.headers } });
    return { status: res.statusCode, body: await res.body.text() };
  };

  async prepare(phases: PhaseRecorder): Promise<void> {
    const { ctx, settings } = this;
    const { clientIndex, config } = ctx;
    const source = openSource(settings, ctx.configDir);
    const spec: CollectionSpec = {
      name: settings.collection ?? defaultCollection(settings, source.hash),
      dimension: source.dimension,
      distance: settings.distance,
      index: settings.index,
      ...(settings.filter ? { field: settings.filter.field } : {}),
    };
    this.engine =
      settings.engine === 'chroma'
        ? new ChromaEngine(this.request, this.prefix, spec)
        : new QdrantEngine(this.request, this.prefix, spec);
    await this.open();
    const before = await this.engine.count();
    const log = (line: string) => ctx.log(`[loadgen ${clientIndex}] ${line}`);
    if (before >= source.baseCount) {
      log(`collection ${spec.name} holds ${before} vectors (of ${source.baseCount}): no insert`);
    } else {
      await this.insertShare(source, phases);
      if (clientIndex === 0) await this.timeIndex(source.baseCount, phases, log);
    }

    // This client's queries and their exact neighbours (from the cache, else brute force).
    const n = config.clientCount;
    const indices: number[] = [];
    for (let j = clientIndex; j < settings.queries; j += n) indices.push(j);
    if (indices.length === 0)
      throw new Error(`queries ${settings.queries} leaves client ${clientIndex} of ${n} without a query`);
    const filterValues = settings.filter
      ? indices.map((j) => queryFilterValue(settings.filter!, settings.seed, j))
      : undefined;
    const truthSpec = {
      dataHash: source.hash,
      queryIndices: indices,
      k: settings.k,
      distance: settings.distance,
      epsilon: settings.recallEpsilon,
      ...(settings.filter ? { filter: settings.filter, filterValues: filterValues! } : {}),
    };
    const key = truthKey(truthSpec);
    const dir = truthCacheDir(ctx.env, ctx.configDir);
    let truths = readTruth(dir, key);
    if (truths === null) {
      const started = performance.now();
      truths = computeTruth(source.base(0, source.baseCount), source.queries, truthSpec);
      writeTruth(dir, key, truths);
      log(
        `exact neighbours of ${indices.length} queries over ${source.baseCount} vectors in ` +
          `${Math.round(performance.now() - started)} ms (kept in ${dir})`,
      );
    }
    this.truths = truths.map((t) => ({ ids: new Set(t.ids), possible: t.possible }));
    this.calls = indices.map((j, m) => {
      const filter: QueryFilter | undefined = settings.filter
        ? { field: settings.filter.field, op: settings.filter.op, value: filterValues![m]! }
        : undefined;
      const call = this.engine.query(vectorJson(source.queries, j), settings.k, filter);
      return { ...call, headers: { ...call.headers, ...this.headers } };
    });
  }

  /** Every client may create the collection at once: a loser of that race finds it on a retry. */
  private async open(): Promise<void> {
    try {
      await this.engine.open();
    } catch (err) {
      this.ctx.log(
        `[loadgen ${this.ctx.clientIndex}] opening the collection: ${(err as Error).message}; once more`,
      );
      await sleep(500);
      await this.engine.open();
    }
  }

  /** This client's contiguous share, `concurrency` batches at a time; a batch is retried once. */
  private async insertShare(source: VectorSource, phases: PhaseRecorder): Promise<void> {
    const { ctx, settings } = this;
    const total = source.baseCount;
    const from = shareStart(total, ctx.config.clientCount, ctx.clientIndex);
    const to = from + clientShare(total, ctx.config.clientCount, ctx.clientIndex);
    const size = settings.insert.batchSize;
    let nextBatch = from;
    await phases.run('insert', async (item) => {
      const worker = async () => {
        while (nextBatch < to) {
          const start = nextBatch;
          const end = Math.min(to, start + size);
          nextBatch = end;
          const part = source.base(start, end);
          const ids = Array.from({ length: end - start }, (_, n) => start + n);
          const vectors = ids.map((_, n) => vectorJson(part, n));
          const call = this.engine.upsert(ids, vectors, part.attrs ? Array.from(part.attrs) : null);
          let problem = '';
          for (let attempt = 0; attempt < 2; attempt++) {
            const t0 = performance.now();
            try {
              const res = await this.request(call);
              if (res.status >= 200 && res.status < 300) {
                item(true, performance.now() - t0, ids.length);
                problem = '';
                break;
              }
              problem = `answered ${res.status}: ${res.body.slice(0, 300)}`;
            } catch (err) {
              problem = (err as Error).message;
            }
          }
          if (problem !== '') {
            item(false, 0, ids.length);
            throw new Error(`inserting vectors ${start}-${end - 1} failed twice: ${problem}`);
          }
        }
      };
      await Promise.all(Array.from({ length: settings.insert.concurrency }, worker));
    });
  }

  /**
   * Client 0: once every client's share is in, how long until the database reports its index
   * complete (phase `index`, items = the vectors indexed). Databases that do not report it
   * (a single-node Chroma) get no such phase.
   */
  private async timeIndex(total: number, phases: PhaseRecorder, log: (line: string) => void): Promise<void> {
    if ((await this.engine.indexDone()) === null) {
      log('the database does not report its index build: no index phase');
      return;
    }
    const deadline = performance.now() + this.settings.indexTimeoutMs;
    for (;;) {
      const count = await this.engine.count();
      if (count >= total) break;
      if (performance.now() > deadline) {
        log(`index: the collection holds ${count} of ${total} vectors after indexTimeout; not timed`);
        return;
      }
      await sleep(POLL_MS);
    }
    await phases.run('index', async (item) => {
      const started = performance.now();
      while (!(await this.engine.indexDone())) {
        if (performance.now() > deadline) {
          log('index: not reported complete within indexTimeout');
          item(false, 0, total);
          return;
        }
        await sleep(POLL_MS);
      }
      item(true, performance.now() - started, total);
    });
  }

  send(intendedMs: number): PendingOp {
    const m = this.next++ % this.calls.length;
    const call = this.calls[m]!;
    const truth = this.truths[m]!;
    const { k } = this.settings;
    return new PendingOp(intendedMs, this.ctx.config.requestTimeoutMs, (signal) =>
      httpOp(this.pool, call, signal, {
        check: (body) => {
          let ids: number[];
          try {
            ids = this.engine.parseQuery(body);
          } catch (err) {
            return { ok: false, error: 'malformed_response', detail: (err as Error).message };
          }
          const r = recallOf(ids, truth, k);
          return { ok: true, counters: { recallHits: r.hits, recallPossible: r.possible } };
        },
      }),
    );
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
