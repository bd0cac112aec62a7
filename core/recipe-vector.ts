/**
 * The recipe's `workload.vector` block (kind `vector-search`) and what it becomes in the load
 * generator's config. Pure (bundled into workflows).
 */
import { z } from 'zod';
import { durationMs } from './duration';
import {
  type SyntheticVectors,
  VECTOR_DISTANCES,
  VECTOR_ENGINES,
  VECTOR_FILTER_OPS,
  type VectorEngine,
  type VectorWorkloadSettings,
} from './loadgen-protocol';
import { count, scriptString } from './recipe-primitives';

/** Names both engines accept (Chroma: 3-512 of [A-Za-z0-9._-], alphanumeric at both ends). */
const COLLECTION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$/;
const FIELD_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const SYNTHETIC_VECTORS_DEFAULT = { size: 10_000, dimension: 64, clusters: 16, spread: 0.1 };

const synthetic = z.strictObject({
  size: count(1, 100_000_000, 'vectors').default(SYNTHETIC_VECTORS_DEFAULT.size),
  dimension: count(1, 65_536, 'dimensions').default(SYNTHETIC_VECTORS_DEFAULT.dimension),
  clusters: count(1, 1_000_000, 'clusters').default(SYNTHETIC_VECTORS_DEFAULT.clusters),
  /** Standard deviation of a point around its centre, per coordinate (centres lie in [-1, 1]). */
  spread: z.number().min(0).max(100).default(SYNTHETIC_VECTORS_DEFAULT.spread),
});

const vectorFile = z.strictObject({
  /** On the worker's machine; uploaded into each client job's folder. */
  path: scriptString,
  /** Query vectors apart; without them the file's last `queries` vectors are held out as queries. */
  queries: scriptString.optional(),
  /** Default: `fvecs` for a .fvecs file, else `jsonl`. */
  format: z.enum(['jsonl', 'fvecs']).optional(),
});

const filter = z.strictObject({
  /** Metadata field every vector carries (synthetic data: an integer in [0, values)). */
  field: z.string().regex(FIELD_RE, 'a field name: [A-Za-z_][A-Za-z0-9_]*'),
  values: count(1, 1_000_000, 'values').default(10),
  op: z.enum(VECTOR_FILTER_OPS).default('eq'),
  /** Absent: each query draws its own value in [0, values). */
  value: z.number().optional(),
});

const index = z.strictObject({
  m: count(2, 1024, 'edges per node').optional(),
  efConstruction: count(4, 100_000, 'candidates').optional(),
  efSearch: count(1, 100_000, 'candidates').optional(),
});

export const vectorSettings = z
  .strictObject({
    /** The API to speak; default the service's kind (chroma or qdrant). */
    engine: z.enum(VECTOR_ENGINES).optional(),
    collection: z
      .string()
      .regex(COLLECTION_RE, '3-128 of A-Z a-z 0-9 . _ -, starting and ending with a letter or digit')
      .optional(),
    synthetic: synthetic.optional(),
    file: vectorFile.optional(),
    queries: count(1, 1_000_000, 'queries').default(1000),
    distance: z.enum(VECTOR_DISTANCES).default('cosine'),
    k: count(1, 10_000, 'neighbours').default(10),
    seed: z.number().int().default(1),
    insert: z
      .strictObject({
        batchSize: count(1, 100_000, 'vectors per batch').default(256),
        concurrency: count(1, 64, 'batches in flight').default(1),
      })
      .default({ batchSize: 256, concurrency: 1 }),
    filter: filter.optional(),
    index: index.default({}),
    recallEpsilon: z.number().min(0).max(1).default(0.001),
    indexTimeout: durationMs.default(600_000),
  })
  .refine((v) => !(v.synthetic && v.file), { message: 'give synthetic or file, not both', path: ['file'] });

export type VectorRecipe = z.output<typeof vectorSettings>;

/** The workload-level rules: every client needs a query of its own. */
export function vectorWorkloadChecks(
  w: { vector?: VectorRecipe | undefined; clients: { count: number } },
  ctx: z.RefinementCtx,
): void {
  if (w.vector && w.vector.queries < w.clients.count)
    ctx.addIssue({
      code: 'custom',
      path: ['vector', 'queries'],
      message: `queries ${w.vector.queries} is less than clients.count ${w.clients.count}: some clients would ask nothing`,
    });
}

/** The engine a vector workload speaks: its own `engine`, else the service's kind when it is one. */
export function vectorEngine(v: VectorRecipe, serviceKind: string): VectorEngine | undefined {
  if (v.engine) return v.engine;
  return (VECTOR_ENGINES as readonly string[]).includes(serviceKind)
    ? (serviceKind as VectorEngine)
    : undefined;
}

/** The recipe-level rule: a service of another kind (external, command) must name the engine. */
export function vectorServiceChecks(
  r: { service: { kind: string }; workload: { kind: string; vector?: VectorRecipe | undefined } },
  ctx: z.RefinementCtx,
): void {
  const v = r.workload.vector;
  // A deployment's kind is known only when it is attached (loadgenConfig resolves it then).
  if (r.workload.kind !== 'vector-search' || !v) return;
  if (r.service.kind === 'deployment' || vectorEngine(v, r.service.kind)) return;
  ctx.addIssue({
    code: 'custom',
    path: ['workload', 'vector', 'engine'],
    message: `service kind ${r.service.kind} is not a vector database: say which API it speaks (${VECTOR_ENGINES.join(', ')})`,
  });
}

/** Recipe block (parsed) → the loadgen's settings; `engine` from vectorEngine. */
export function vectorWorkloadSettings(
  v: VectorRecipe,
  engine: VectorEngine,
  files: { vectors: string; queries: string },
): VectorWorkloadSettings {
  const data: VectorWorkloadSettings['data'] = v.file
    ? {
        kind: 'file',
        file: files.vectors,
        format: v.file.format ?? (v.file.path.toLowerCase().endsWith('.fvecs') ? 'fvecs' : 'jsonl'),
        ...(v.file.queries !== undefined ? { queriesFile: files.queries } : {}),
      }
    : ({ kind: 'synthetic', ...(v.synthetic ?? SYNTHETIC_VECTORS_DEFAULT) } satisfies SyntheticVectors);
  return {
    kind: 'vector-search',
    engine,
    ...(v.collection !== undefined ? { collection: v.collection } : {}),
    data,
    queries: v.queries,
    distance: v.distance,
    k: v.k,
    seed: v.seed,
    insert: v.insert,
    ...(v.filter ? { filter: v.filter } : {}),
    index: v.index,
    recallEpsilon: v.recallEpsilon,
    indexTimeoutMs: v.indexTimeout,
  };
}
