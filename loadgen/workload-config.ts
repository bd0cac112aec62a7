/**
 * Validation of `LoadgenConfig.workload` (the per-kind settings of the non-LLM workloads): one
 * schema per kind, each annotated so tsc fails when it drifts from core/loadgen-protocol.ts.
 */
import { z } from 'zod';
import {
  type HttpWorkloadSettings,
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

export const workloadSettingsSchema: z.ZodType<WorkloadSettings> = z.union([http, vector]);
