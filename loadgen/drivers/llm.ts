/**
 * The LLM kinds (`openai-chat`, `openai-completions`): streamed completions of the dataset's
 * prompts over one undici pool, with one resend on a fresh connection when a reused one was
 * closed before answering (see StreamRequest.reconnected).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type Dispatcher, Pool } from 'undici';
import { isLlmWorkload, type LoadgenConfig } from '../../core/loadgen-protocol';
import { createPromptSource, type PromptSample, withUniquePrefix } from '../dataset';
import { createFilePromptSource, parseDataset } from '../dataset-file';
import type { DriverContext, OperationPlan, WorkloadDriver } from '../driver';
import {
  compileRequestBody,
  endpointPath,
  type RequestTarget,
  requestHeaders,
  StreamRequest,
} from '../request';

/** The API key named by `apiKeyEnv`, read from the job's environment; throws when unset. */
export function apiKey(config: LoadgenConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (config.apiKeyEnv === undefined) return undefined;
  const key = env[config.apiKeyEnv];
  if (!key) throw new Error(`apiKeyEnv: environment variable ${config.apiKeyEnv} is not set`);
  return key;
}

/** undici options every driver's connections share: timeouts from the config. */
export function connectionOptions(config: LoadgenConfig) {
  return {
    headersTimeout: config.requestTimeoutMs,
    bodyTimeout: config.requestTimeoutMs,
    connect: { timeout: Math.min(10_000, config.requestTimeoutMs) },
  };
}

export class LlmDriver implements WorkloadDriver {
  private readonly pool: Pool;
  /** Clients of resends still running (see StreamRequest.reconnected). */
  private readonly freshClients = new Set<Client>();
  private readonly target: RequestTarget;
  private readonly nextPrompt: () => PromptSample;
  private readonly renderBody: (s: PromptSample) => string;
  private nextSample: PromptSample;
  private nextBody: string;

  constructor(ctx: DriverContext) {
    const { config } = ctx;
    if (!isLlmWorkload(config.api)) throw new Error(`LlmDriver cannot send ${config.api}`);
    this.nextPrompt = promptSource(config, ctx.clientIndex, ctx.configDir);
    this.renderBody = compileRequestBody(config);
    // A request waiting inside undici for a connection is not "sent" yet: sendMs is taken when
    // it starts going out, so the wait is schedule lag.
    const origin = new URL(config.baseUrl).origin;
    const options = connectionOptions(config);
    this.pool = new Pool(origin, { connections: Math.max(1, ctx.connections), ...options });
    this.target = {
      acquire: () => this.pool,
      // A one-request client: its own new connection, closed when the request has ended.
      acquireFresh: () => {
        const c = new Client(origin, options);
        this.freshClients.add(c);
        return c;
      },
      release: (d: Dispatcher) => {
        if (d === this.pool) return;
        this.freshClients.delete(d as Client);
        d.close().catch(() => {});
      },
      path: endpointPath(config.baseUrl, config.api),
      timeoutMs: config.requestTimeoutMs,
      headers: requestHeaders(apiKey(config, ctx.env)),
    };
    this.nextSample = this.nextPrompt();
    this.nextBody = this.renderBody(this.nextSample);
  }

  send(intendedMs: number, plan: OperationPlan): StreamRequest {
    const sample = this.nextSample;
    const req = new StreamRequest(this.target, this.nextBody, {
      intendedMs,
      inputWords: sample.inputWords,
      maxTokens: sample.maxTokens,
      ...(plan.requestId !== undefined ? { requestId: plan.requestId } : {}),
    });
    // Rendering the next body now keeps it off the path between a due time and its send.
    this.nextSample = this.nextPrompt();
    this.nextBody = this.renderBody(this.nextSample);
    return req;
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.destroy(), ...[...this.freshClients].map((c) => c.destroy())]);
  }
}

function promptSource(config: LoadgenConfig, clientIndex: number, dir: string): () => PromptSample {
  const source = datasetSource(config, clientIndex, dir);
  return config.promptCache?.mode === 'unique_prefix'
    ? withUniquePrefix(source, config.dataset.seed, config.stageIndex, clientIndex)
    : source;
}

function datasetSource(config: LoadgenConfig, clientIndex: number, dir: string): () => PromptSample {
  const { dataset } = config;
  if (dataset.file) {
    const entries = parseDataset(readFileSync(join(dir, dataset.file.file), 'utf8'), dataset.file.format);
    return createFilePromptSource(
      entries,
      dataset.file.outputTokens,
      dataset.seed,
      config.stageIndex,
      clientIndex,
    );
  }
  return createPromptSource(dataset.synthetic!, dataset.seed, config.stageIndex, clientIndex);
}
