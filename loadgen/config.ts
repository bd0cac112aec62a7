/**
 * Validation of `loadgen-config.json` (written by the worker, but read on another machine by a
 * possibly different build, so it is checked rather than trusted) and the per-client load split.
 */
import { z } from 'zod';
import {
  isLlmWorkload,
  type LoadgenConfig,
  type OpenLoopLoad,
  WORKLOAD_KINDS,
} from '../core/loadgen-protocol';
import { workloadSettingsSchema } from './workload-config';

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

const positiveInt = z.number().int().positive();
const positiveNum = z.number().finite().positive();
const fileName = z.string().regex(/^[A-Za-z0-9._-]+$/, 'a file name in the job folder');

const load = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('synchronous') }),
  z.object({ mode: z.literal('concurrency'), concurrency: positiveInt }),
  z.object({ mode: z.literal('throughput'), maxConcurrency: positiveInt }),
  z.object({
    mode: z.enum(['constant', 'poisson']),
    rate: positiveNum,
    maxConcurrency: positiveInt.optional(),
  }),
  z.object({
    mode: z.literal('gamma'),
    rate: positiveNum,
    burstiness: positiveNum,
    maxConcurrency: positiveInt.optional(),
  }),
  z.object({
    mode: z.literal('bursts'),
    burstSize: positiveInt,
    periodMs: positiveNum,
    maxConcurrency: positiveInt.optional(),
  }),
  z.object({
    mode: z.literal('ramp'),
    fromRate: nonNeg,
    toRate: nonNeg,
    maxConcurrency: positiveInt.optional(),
  }),
  z.object({ mode: z.literal('trace'), speed: positiveNum, maxConcurrency: positiveInt.optional() }),
]);

/** Mirrors `LoadgenConfig`; the annotation makes tsc fail if the two drift apart. */
export const loadgenConfigSchema: z.ZodType<LoadgenConfig> = z
  .object({
    version: z.literal(2),
    benchmarkId: z.string().min(1),
    stageIndex: z.number().int().nonnegative(),
    stageName: z.string(),
    baseUrl: z.url({ protocol: /^https?$/ }),
    api: z.enum(WORKLOAD_KINDS),
    workload: workloadSettingsSchema.optional(),
    model: z.string().min(1),
    clientCount: positiveInt,
    load,
    timing: z.object({
      warmupMs: nonNeg,
      durationMs: nonNeg.optional(),
      cooldownMs: nonNeg,
      maxRequests: positiveInt.optional(),
    }),
    dataset: z
      .object({
        synthetic: z.object({ inputTokens: distribution, outputTokens: distribution }).optional(),
        file: z
          .object({
            format: z.enum(['prompts', 'sharegpt']),
            file: fileName,
            outputTokens: distribution.optional(),
          })
          .optional(),
        trace: z.object({ format: z.literal('mooncake'), file: fileName, blockSize: positiveInt }).optional(),
        sessions: z.object({ turns: positiveInt, thinkTimeMs: distribution.optional() }).optional(),
        sharedPrefix: z.object({ groups: positiveInt, words: positiveInt }).optional(),
        seed: z.number().int(),
        exactOutputLength: z.boolean(),
      })
      .refine(
        (d) => [d.synthetic, d.file, d.trace].filter((x) => x !== undefined).length === 1,
        'exactly one of synthetic, file, trace',
      ),
    requestTimeoutMs: z.number().positive(),
    temperature: z.number().optional(),
    extraBody: z.record(z.string(), z.unknown()).optional(),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional(),
    slo: slo.optional(),
    promptCache: z
      .strictObject({ mode: z.enum(['allow', 'cache_prompt_false', 'unique_prefix']) })
      .optional(),
    recordRequests: z.boolean().optional(),
    busyPoll: z.boolean().optional(),
    progressIntervalMs: z.number().positive().optional(),
    directPush: z
      .strictObject({ url: z.string().url(), componentPrefix: z.string(), recipe: z.string() })
      .optional(),
  })
  .refine(
    (c) => c.timing.durationMs !== undefined || c.timing.maxRequests !== undefined,
    'timing needs durationMs or maxRequests',
  )
  .refine((c) => c.load.mode !== 'ramp' || c.timing.durationMs !== undefined, {
    message: 'a ramp needs timing.durationMs (it rises over warm-up + duration)',
    path: ['timing', 'durationMs'],
  })
  .refine((c) => c.load.mode !== 'trace' || c.dataset.trace !== undefined, {
    message: 'mode trace needs dataset.trace',
    path: ['dataset', 'trace'],
  })
  .refine((c) => c.dataset.sessions === undefined || c.api === 'openai-chat', {
    message: 'sessions need the chat API (openai-chat)',
    path: ['dataset', 'sessions'],
  })
  .refine((c) => isLlmWorkload(c.api) || c.workload?.kind === c.api, {
    message: 'a non-LLM workload needs its settings (workload.kind = api)',
    path: ['workload'],
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

/** This client's share of the stage's load (see `StageLoad`). */
export interface ClientShare {
  /** In-flight limit: the closed loop's workers, or an open loop's cap (null = none). */
  concurrency: number | null;
  /** Open loop only: this client's mean rate, requests per second (null for a trace: its file's). */
  ratePerS: number | null;
  /** Requests this client sends at most (null = bounded by time only). */
  maxRequests: number | null;
}

export function shareOf(config: LoadgenConfig, index: number): ClientShare {
  const n = config.clientCount;
  const load = config.load;
  const max = config.timing.maxRequests;
  const maxRequests = max === undefined ? null : clientShare(max, n, index);
  switch (load.mode) {
    case 'synchronous':
      return {
        concurrency: index === 0 ? 1 : 0,
        ratePerS: null,
        maxRequests: index === 0 ? (max ?? null) : 0,
      };
    case 'concurrency':
      return { concurrency: clientShare(load.concurrency, n, index), ratePerS: null, maxRequests };
    case 'throughput':
      return { concurrency: clientShare(load.maxConcurrency, n, index), ratePerS: null, maxRequests };
    default: {
      const total = nominalRatePerS(load);
      return {
        concurrency: load.maxConcurrency === undefined ? null : clientShare(load.maxConcurrency, n, index),
        ratePerS: total === null ? null : total / n,
        maxRequests,
      };
    }
  }
}

/**
 * An open loop's mean rate over the stage, all clients together: what its process asks (a
 * ramp's mean over its span); null for a trace, whose rate is its file's.
 */
export function nominalRatePerS(load: OpenLoopLoad): number | null {
  switch (load.mode) {
    case 'bursts':
      return (load.burstSize * 1000) / load.periodMs;
    case 'ramp':
      return (load.fromRate + load.toRate) / 2;
    case 'trace':
      return null;
    default:
      return load.rate;
  }
}

/**
 * This client's exact share of a total spread over `count` clients: the first `total mod count`
 * clients take one extra, so the shares always sum to `total`.
 */
export function clientShare(total: number, count: number, index: number): number {
  const base = Math.floor(total / count);
  return base + (index < total % count ? 1 : 0);
}
