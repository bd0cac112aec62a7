/**
 * Validation of `loadgen-config.json` (written by the worker, but read on another machine by a
 * possibly different build, so it is checked rather than trusted) and the per-client load split.
 */
import { z } from 'zod';
import type { LoadgenConfig } from '../core/loadgen-protocol';

const nonNeg = z.number().finite().nonnegative();

const distribution = z.object({
  mean: nonNeg,
  stdev: nonNeg.optional(),
  min: nonNeg.optional(),
  max: nonNeg.optional(),
});

const slo = z.object({
  ttftMs: nonNeg.optional(),
  tpotMs: nonNeg.optional(),
  itlMs: nonNeg.optional(),
  e2eMs: nonNeg.optional(),
});

/** Mirrors `LoadgenConfig`; the annotation makes tsc fail if the two drift apart. */
export const loadgenConfigSchema: z.ZodType<LoadgenConfig> = z.object({
  version: z.literal(1),
  benchmarkId: z.string().min(1),
  stageIndex: z.number().int().nonnegative(),
  stageName: z.string(),
  baseUrl: z.url({ protocol: /^https?$/ }),
  api: z.enum(['openai-chat', 'openai-completions']),
  model: z.string().min(1),
  clientCount: z.number().int().positive(),
  load: z.object({ mode: z.literal('concurrency'), concurrency: z.number().int().nonnegative() }),
  timing: z.object({
    warmupMs: nonNeg,
    durationMs: nonNeg,
    cooldownMs: nonNeg,
    maxRequests: z.number().int().nonnegative().optional(),
  }),
  dataset: z.object({
    synthetic: z.object({ inputTokens: distribution, outputTokens: distribution }),
    seed: z.number().int(),
  }),
  requestTimeoutMs: z.number().positive(),
  temperature: z.number().optional(),
  extraBody: z.record(z.string(), z.unknown()).optional(),
  slo: slo.optional(),
  progressIntervalMs: z.number().positive().optional(),
});

/** Parses and validates; throws an Error whose message lists every problem, one per line. */
export function parseLoadgenConfig(json: unknown): LoadgenConfig {
  const r = loadgenConfigSchema.safeParse(json);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid loadgen config:\n${lines.join('\n')}`);
  }
  return r.data;
}

/**
 * This client's exact share of a total spread over `count` clients: the first `total mod count`
 * clients take one extra, so the shares always sum to `total`.
 */
export function clientShare(total: number, count: number, index: number): number {
  const base = Math.floor(total / count);
  return base + (index < total % count ? 1 : 0);
}
