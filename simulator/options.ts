/**
 * Simulator options, shared by `startSimulator()` and the CLI (including `--config` files),
 * so both validate the same way and agree on defaults.
 */
import { z } from 'zod';

const nonNegative = z.number().nonnegative();

const distributionObject = z
  .strictObject({
    mean: nonNegative,
    stdev: nonNegative.optional(),
    min: nonNegative.optional(),
    max: nonNegative.optional(),
  })
  .refine((d) => d.min === undefined || d.max === undefined || d.min <= d.max, {
    message: 'min must not exceed max',
  });

/** A bare number is shorthand for a constant (`{ mean: n }`). */
export const distributionSchema = z
  .union([nonNegative, distributionObject])
  .transform((d) => (typeof d === 'number' ? { mean: d } : d));

export const simulatorOptionsSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 picks a free port. */
  port: z.number().int().min(0).max(65535).default(8000),
  /** The only model name served; requests naming another model get a 404 like vLLM. */
  model: z.string().min(1).default('aifb-sim'),
  /** Request receipt (or leaving the queue) to the first token chunk, ms. */
  ttftMs: distributionSchema.default({ mean: 50 }),
  /** Delay per output token, ms; chunks of k tokens are k × this apart. */
  itlMs: distributionSchema.default({ mean: 10 }),
  /** Output length in tokens before `max_tokens` / `min_tokens` / `ignore_eos` apply. */
  outputTokens: distributionSchema.default({ mean: 128 }),
  tokensPerChunk: z.number().int().min(1).default(1),
  /** Requests beyond this many wait in FIFO order (vllm:num_requests_waiting). Unset = no limit. */
  maxConcurrency: z.number().int().min(1).optional(),
  seed: z.number().int().default(0),
  /** `/v1/embeddings`: the vectors' length, and the time per input token on top of a TTFT draw. */
  embeddingDimension: z.number().int().min(1).max(65536).default(384),
  embeddingUsPerToken: nonNegative.default(20),
  /** Hit due times to within µs (busy-waits the last 1.5 ms before a chunk): for accuracy benchmarks. */
  preciseTiming: z.boolean().default(false),
  /**
   * Appends one JSON line per ended request: its `x-request-id`, and when each token chunk was
   * handed to the socket, in ms after receipt. The simulator's actual timing, which benchmarks
   * compare a client's measurements against (bench:loadgen part c).
   */
  timingLog: z.string().min(1).optional(),
});

/** What callers may pass (everything optional). */
export type SimulatorOptionsInput = z.input<typeof simulatorOptionsSchema>;
/** After defaults are applied. */
export type SimulatorOptions = z.output<typeof simulatorOptionsSchema>;

export function resolveSimulatorOptions(input: SimulatorOptionsInput = {}): SimulatorOptions {
  const parsed = simulatorOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid simulator options: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
