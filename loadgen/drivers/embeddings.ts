/**
 * `openai-embeddings`: batches of seeded synthetic inputs POSTed to `/v1/embeddings`. An
 * operation is ok when the answer holds one embedding per input; it counts `inputs` and
 * `tokens` (the server's `usage.prompt_tokens`, else the words sent), so the summary gives
 * inputs/s and tokens/s beside the request rate and latency.
 */
import { Pool } from 'undici';
import type { EmbeddingsWorkloadSettings } from '../../core/loadgen-protocol';
import { deriveRng } from '../../core/random';
import { createPromptSource, lengthSampler, promptStream } from '../dataset';
import {
  type DriverContext,
  type OperationPlan,
  type OpResult,
  PendingOp,
  type WorkloadDriver,
} from '../driver';
import { openAiPath } from '../request';
import { httpOp } from './http-op';
import { apiKey, connectionOptions } from './llm';

/** `/v1/embeddings` on the base URL, keeping a path prefix (`http://h/v1` and `http://h` both work). */
export function embeddingsPath(baseUrl: string): string {
  return openAiPath(baseUrl, '/embeddings');
}

/** Checks an answer: one embedding per input, each a non-empty vector (array or base64). */
export function checkEmbeddings(body: string, inputs: number, words: number): OpResult {
  let parsed: { data?: unknown; usage?: { prompt_tokens?: unknown } };
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, error: 'malformed_response', detail: `not JSON: ${body.slice(0, 120)}` };
  }
  const data = parsed.data;
  if (!Array.isArray(data) || data.length !== inputs)
    return {
      ok: false,
      error: 'malformed_response',
      detail: `${Array.isArray(data) ? data.length : 'no'} embeddings for ${inputs} inputs`,
    };
  const empty = data.some((d) => {
    const e = (d as { embedding?: unknown } | null)?.embedding;
    return !(Array.isArray(e) ? e.length > 0 : typeof e === 'string' && e.length > 0);
  });
  if (empty) return { ok: false, error: 'malformed_response', detail: 'an embedding is missing or empty' };
  const served = parsed.usage?.prompt_tokens;
  const tokens = typeof served === 'number' ? served : words;
  return {
    ok: true,
    counters: { inputs, tokens, ...(typeof served === 'number' ? {} : { usageMissing: 1 }) },
  };
}

export class EmbeddingsDriver implements WorkloadDriver {
  private readonly pool: Pool;
  private readonly settings: EmbeddingsWorkloadSettings;
  private readonly nextInput: () => { prompt: string; inputWords: number };
  private readonly nextBatch: () => number;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly ctx: DriverContext) {
    const { config } = ctx;
    if (config.workload?.kind !== 'openai-embeddings')
      throw new Error('the openai-embeddings workload needs its settings (workload.embeddings)');
    this.settings = config.workload;
    const url = new URL(config.baseUrl);
    this.pool = new Pool(url.origin, {
      connections: Math.max(1, ctx.connections),
      ...connectionOptions(config),
    });
    this.path = embeddingsPath(config.baseUrl);
    // Inputs come from the synthetic prompt generator (its own seeded stream per stage and client).
    this.nextInput = createPromptSource(
      { inputTokens: this.settings.inputTokens, outputTokens: { mean: 1 } },
      config.dataset.seed,
      config.stageIndex,
      ctx.clientIndex,
    );
    // Batch sizes from a second stream, so changing them leaves the inputs' texts alone.
    this.nextBatch = lengthSampler(
      this.settings.batchSize,
      deriveRng(config.dataset.seed + 1, promptStream(config.stageIndex, ctx.clientIndex)),
    );
    const key = apiKey(config, ctx.env);
    this.headers = { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
  }

  send(intendedMs: number, plan: OperationPlan): PendingOp {
    const n = this.nextBatch();
    const input: string[] = [];
    let words = 0;
    for (let i = 0; i < n; i++) {
      const sample = this.nextInput();
      input.push(sample.prompt);
      words += sample.inputWords;
    }
    const { settings } = this;
    const body = JSON.stringify({
      model: this.ctx.config.model,
      input,
      encoding_format: settings.encodingFormat,
      ...(settings.dimensions !== undefined ? { dimensions: settings.dimensions } : {}),
    });
    const headers =
      plan.requestId === undefined ? this.headers : { ...this.headers, 'x-request-id': plan.requestId };
    return new PendingOp(intendedMs, this.ctx.config.requestTimeoutMs, (signal) =>
      httpOp(this.pool, { method: 'POST', path: this.path, headers, body }, signal, {
        check: (text) => checkEmbeddings(text, n, words),
      }),
    );
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
