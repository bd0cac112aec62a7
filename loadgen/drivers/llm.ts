/**
 * The LLM kinds (`openai-chat`, `openai-completions`): streamed completions of the dataset's
 * prompts over one undici pool, with one resend on a fresh connection when a reused one was
 * closed before answering (see StreamRequest.reconnected). Prompts come from the synthetic
 * generator, a prompt file or a trace, with a shared-prefix group's system prompt when asked;
 * with sessions, each request is a turn of a conversation (sessions.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, type Dispatcher, Pool } from 'undici';
import { isLlmWorkload, type LoadgenConfig } from '../../core/loadgen-protocol';
import { createSampler, deriveRng } from '../../core/random';
import {
  createPromptSource,
  type PromptSample,
  prefixGroups,
  promptStream,
  uniquePrefixer,
  withSharedPrefix,
} from '../dataset';
import { createFilePromptSource, parseDataset } from '../dataset-file';
import type { DriverContext, OperationPlan, WorkloadDriver } from '../driver';
import {
  compileRequestBody,
  endpointPath,
  type RequestPlan,
  type RequestTarget,
  requestHeaders,
  StreamRequest,
} from '../request';
import { SessionPool } from '../sessions';
import { createTracePromptSource } from '../trace-prompts';

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
  /** `promptCache: false` without llama.cpp's switch: a unique prefix on every request. */
  private readonly tag: ((s: PromptSample) => PromptSample) | null;
  private readonly sessions: SessionPool | null;
  private readonly log: (line: string) => void;
  private readonly clientIndex: number;
  private nextSample: PromptSample | null = null;
  private nextBody = '';

  constructor(ctx: DriverContext) {
    const { config, clientIndex } = ctx;
    if (!isLlmWorkload(config.api)) throw new Error(`LlmDriver cannot send ${config.api}`);
    const { dataset, stageIndex } = config;
    this.log = ctx.log;
    this.clientIndex = clientIndex;
    this.tag =
      config.promptCache?.mode === 'unique_prefix'
        ? uniquePrefixer(dataset.seed, stageIndex, clientIndex)
        : null;
    const source = datasetSource(ctx);
    const groups = dataset.sharedPrefix
      ? prefixGroups(dataset.sharedPrefix, dataset.seed, stageIndex, clientIndex)
      : undefined;
    if (dataset.sessions) {
      const think = dataset.sessions.thinkTimeMs;
      this.sessions = new SessionPool({
        turns: dataset.sessions.turns,
        nextPrompt: source,
        ...(groups ? { pickPrefix: groups } : {}),
        ...(think
          ? {
              thinkMs: createSampler(
                think,
                deriveRng(dataset.seed ^ 0x7e1a, promptStream(stageIndex, clientIndex)),
              ),
            }
          : {}),
        now: () => performance.now(),
      });
      this.nextPrompt = source;
    } else {
      this.sessions = null;
      this.nextPrompt = groups ? withSharedPrefix(source, groups) : source;
    }
    this.renderBody = compileRequestBody(config);
    // A request waiting inside undici for a connection is not "sent" yet: sendMs is taken when
    // it starts going out, so the wait is schedule lag.
    const origin = new URL(config.baseUrl).origin;
    // No undici timers per request: the runner's sweep already ends every request at its deadline
    // (send + requestTimeoutMs, StreamRequest.deadlineMs) as a 'timeout', before undici's
    // headers or body timeout of the same length could fire (they start later, at the write, and
    // its timer wheel rounds them up by up to a second). Arming and refreshing them was ~2% of
    // loadgen's CPU at c64 (bench:loadgen).
    const options = { ...connectionOptions(config), headersTimeout: 0, bodyTimeout: 0 };
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
    if (this.sessions === null) this.prepareNext();
  }

  /** Renders the next request now, off the path between a due time and its send. */
  private prepareNext(): void {
    const sample = this.nextPrompt();
    this.nextSample = this.tag ? this.tag(sample) : sample;
    this.nextBody = this.renderBody(this.nextSample);
  }

  waitBeforeSend(lane: number): number {
    return this.sessions?.waitMs(lane) ?? 0;
  }

  send(intendedMs: number, plan: OperationPlan): StreamRequest {
    if (this.sessions !== null) {
      // A session's turn depends on the replies so far: rendered at its send.
      const pool = this.sessions;
      const turn = pool.next(plan.lane);
      const sample = this.tag ? this.tag(turn.sample) : turn.sample;
      const req = new StreamRequest(this.target, this.renderBody(sample), {
        intendedMs,
        inputWords: sample.inputWords,
        maxTokens: sample.maxTokens,
        collectText: true,
        ...(plan.requestId !== undefined ? { requestId: plan.requestId } : {}),
      });
      req.done.then((o) => pool.finish(turn.session, o.ok ? req.replyText : null));
      return req;
    }
    const sample = this.nextSample!;
    // No spread: this is per request.
    const requestPlan: RequestPlan = {
      intendedMs,
      inputWords: sample.inputWords,
      maxTokens: sample.maxTokens,
    };
    if (plan.requestId !== undefined) requestPlan.requestId = plan.requestId;
    const req = new StreamRequest(this.target, this.nextBody, requestPlan);
    this.prepareNext();
    return req;
  }

  async close(): Promise<void> {
    const s = this.sessions;
    if (s !== null && s.started > 0)
      this.log(
        `[loadgen ${this.clientIndex}] sessions: started=${s.started} completed=${s.completed} ` +
          `abandoned=${s.abandoned} open=${s.active}`,
      );
    await Promise.all([this.pool.destroy(), ...[...this.freshClients].map((c) => c.destroy())]);
  }
}

/** The user prompts: a trace's, a prompt file's or synthetic ones. */
function datasetSource(ctx: DriverContext): () => PromptSample {
  const { config, clientIndex } = ctx;
  const { dataset } = config;
  if (dataset.trace) {
    if (!ctx.trace) throw new Error('dataset.trace: the trace was not read');
    return createTracePromptSource(
      ctx.trace,
      dataset.trace.blockSize,
      dataset.seed,
      config.stageIndex,
      clientIndex,
      config.clientCount,
    );
  }
  if (dataset.file) {
    const entries = parseDataset(
      readFileSync(join(ctx.configDir, dataset.file.file), 'utf8'),
      dataset.file.format,
    );
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
