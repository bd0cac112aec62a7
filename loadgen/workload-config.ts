/**
 * Validation of `LoadgenConfig.workload` (the per-kind settings of the non-LLM workloads): one
 * schema per kind, each annotated so tsc fails when it drifts from core/loadgen-protocol.ts.
 */
import { z } from 'zod';
import type {
  CommandWorkloadSettings,
  EmbeddingsWorkloadSettings,
  HttpWorkloadSettings,
  SqlWorkloadSettings,
  TemplateVariable,
  WorkloadSettings,
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

export const workloadSettingsSchema: z.ZodType<WorkloadSettings> = z.union([http, embeddings, command, sql]);
