/**
 * Validation of `LoadgenConfig.workload` (the per-kind settings of the non-LLM workloads): one
 * schema per kind, each annotated so tsc fails when it drifts from core/loadgen-protocol.ts.
 */
import { z } from 'zod';
import {
  type CommandWorkloadSettings,
  type EmbeddingsWorkloadSettings,
  type HttpWorkloadSettings,
  type SqlWorkloadSettings,
  type TemplateVariable,
  VECTOR_DISTANCES,
  VECTOR_ENGINES,
  VECTOR_FILTER_OPS,
  type VectorWorkloadSettings,
  type WorkloadSettings,
} from '../core/loadgen-protocol';

const variable: z.ZodType<TemplateVariable> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('int'), min: z.number().int(), max: z.number().int() }),
  z.object({ kind: z.literal('choice'), values: z.array(z.string()).min(1) }),
  z.object({ kind: z.literal('uuid') }),
  z.object({ kind: z.literal('sequence') }),
]);

const http: z.ZodType<HttpWorkloadSettings> = z.object({
  kind: z.literal('http'),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']),
  path: z.string().startsWith('/'),
  headers: z.record(z.string(), z.string()),
  body: z.string().optional(),
  json: z.boolean(),
  variables: z.record(z.string(), variable),
  expectStatus: z.array(z.number().int()).nullable(),
});

const distribution = z.object({
  mean: z.number().nonnegative(),
  stdev: z.number().nonnegative().optional(),
  min: z.number().nonnegative().optional(),
  max: z.number().nonnegative().optional(),
});

const embeddings: z.ZodType<EmbeddingsWorkloadSettings> = z.object({
  kind: z.literal('openai-embeddings'),
  batchSize: distribution,
  inputTokens: distribution,
  encodingFormat: z.enum(['float', 'base64']),
  dimensions: z.number().int().positive().optional(),
});

const command: z.ZodType<CommandWorkloadSettings> = z.object({
  kind: z.literal('command'),
  argv: z.array(z.string().min(1)).min(1),
  env: z.record(z.string(), z.string()),
});

const count = z.number().int().nonnegative();

const sql: z.ZodType<SqlWorkloadSettings> = z.object({
  kind: z.literal('sql'),
  user: z.string().min(1),
  database: z.string().min(1),
  password: z.string().optional(),
  rows: count,
  padBytes: count,
  rangeSize: count.min(1),
  mix: z.record(z.string(), z.number().nonnegative()),
  variables: z.record(z.string(), variable),
  transactions: z.record(
    z.string(),
    z.array(z.object({ sql: z.string().min(1), params: z.array(z.string()) })).min(1),
  ),
  connections: count.min(1),
});

const positiveInt = z.number().int().positive();
const fileName = z.string().regex(/^[A-Za-z0-9._-]+$/, 'a file name in the job folder');

const vector: z.ZodType<VectorWorkloadSettings> = z.object({
  kind: z.literal('vector-search'),
  engine: z.enum(VECTOR_ENGINES),
  collection: z.string().min(1).optional(),
  data: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('synthetic'),
      size: positiveInt,
      dimension: positiveInt,
      clusters: positiveInt,
      spread: z.number().finite().nonnegative(),
    }),
    z.object({
      kind: z.literal('file'),
      file: fileName,
      format: z.enum(['jsonl', 'fvecs']),
      queriesFile: fileName.optional(),
    }),
  ]),
  queries: positiveInt,
  distance: z.enum(VECTOR_DISTANCES),
  k: positiveInt,
  seed: z.number().int(),
  insert: z.object({ batchSize: positiveInt, concurrency: positiveInt }),
  filter: z
    .object({
      field: z.string().min(1),
      values: positiveInt,
      op: z.enum(VECTOR_FILTER_OPS),
      value: z.number().finite().optional(),
    })
    .optional(),
  index: z.object({
    m: positiveInt.optional(),
    efConstruction: positiveInt.optional(),
    efSearch: positiveInt.optional(),
  }),
  recallEpsilon: z.number().finite().nonnegative(),
  indexTimeoutMs: z.number().nonnegative(),
});

export const workloadSettingsSchema: z.ZodType<WorkloadSettings> = z.union([
  http,
  embeddings,
  command,
  sql,
  vector,
]);
