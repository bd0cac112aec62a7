/**
 * One streaming completion request over undici's low-level `dispatch` API (no Readable streams
 * and no promise per chunk: this is the per-request hot path). It never rejects: every ending,
 * success or failure, resolves `done` with a RequestOutcome.
 */
import { subscribe } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { LlmWorkloadKind, LoadgenConfig } from '../core/loadgen-protocol';
import type { PromptSample } from './dataset';
import type { Operation } from './driver';
import { OpenAiStreamReader } from './openai-stream';
import { SseParser } from './sse';
import type { RequestOutcome } from './stats';

/** An OpenAI `/v1` route, keeping any path prefix of baseUrl (`http://h/v1` and `http://h` both work). */
export function openAiPath(baseUrl: string, route: string): string {
  let prefix = new URL(baseUrl).pathname.replace(/\/+$/, '');
  if (!prefix.endsWith('/v1')) prefix += '/v1';
  return `${prefix}${route}`;
}

/** Endpoint path for the API, keeping any path prefix of baseUrl. */
export function endpointPath(baseUrl: string, api: LlmWorkloadKind): string {
  return openAiPath(baseUrl, api === 'openai-chat' ? '/chat/completions' : '/completions');
}

/**
 * JSON body of each request, compiled once per run. With `exactOutputLength`, `ignore_eos` +
 * `min_tokens` ask servers that support them (vLLM, llama.cpp, the simulator) for exactly
 * `max_tokens` tokens. `extraBody` is
 * merged last so a recipe can override anything; an `extraBody` value of null removes that key
 * (for servers that reject unknown fields).
 *
 * The body is serialised once with placeholders and then assembled by string concatenation per
 * request, since JSON.stringify of the whole object showed up in the per-request profile.
 */
export function compileRequestBody(config: LoadgenConfig): (sample: PromptSample) => string {
  const body: Record<string, unknown> = { model: config.model };
  if (config.api === 'openai-chat') body.messages = MESSAGES;
  else body.prompt = PROMPT;
  body.max_tokens = MAX_TOKENS;
  if (config.dataset.exactOutputLength) {
    body.min_tokens = MAX_TOKENS;
    body.ignore_eos = true;
  }
  body.stream = true;
  body.stream_options = { include_usage: true };
  if (config.temperature !== undefined) body.temperature = config.temperature;
  // llama.cpp's switch for its prompt cache (promptCache: false); extraBody may still override.
  if (config.promptCache?.mode === 'cache_prompt_false') body.cache_prompt = false;
  for (const [k, v] of Object.entries(config.extraBody ?? {})) {
    if (v === null) delete body[k];
    else body[k] = v;
  }
  // Split on the quoted placeholders: even indexes are literal JSON, odd ones are slots.
  const parts = JSON.stringify(body).split(SLOT);
  return (sample) => {
    let out = parts[0]!;
    for (let i = 1; i < parts.length; i += 2) {
      const slot = parts[i];
      if (slot === 'P')
        out += JSON.stringify(
          sample.system === undefined ? sample.prompt : `${sample.system}\n\n${sample.prompt}`,
        );
      else if (slot === 'S') out += messagesJson(sample);
      else out += String(sample.maxTokens);
      out += parts[i + 1]!;
    }
    return out;
  };
}

/** Chat messages: the system prompt, a session's earlier turns, then the user's prompt. */
function messagesJson(s: PromptSample): string {
  let out = '[';
  if (s.system !== undefined) out += `{"role":"system","content":${JSON.stringify(s.system)}},`;
  if (s.history !== undefined)
    for (const m of s.history) out += `{"role":"${m.role}","content":${JSON.stringify(m.content)}},`;
  return `${out}{"role":"user","content":${JSON.stringify(s.prompt)}}]`;
}

// Placeholders that no real value can produce (NUL is escaped by JSON.stringify as \u0000).
const PROMPT = '\0P\0';
const MESSAGES = '\0S\0';
const MAX_TOKENS = '\0M\0';
const SLOT = /"\\u0000([PSM])\\u0000"/;

export function buildRequestBody(config: LoadgenConfig, sample: PromptSample): string {
  return compileRequestBody(config)(sample);
}

/** Error kind for a transport-level failure (see ClientResult.measured.errors). */
export function classifyError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'other';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  if (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return 'malformed_stream';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  // The server closed or reset an open connection (mid-request or mid-stream).
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return 'connection_reset';
  // Socket-level trouble: refused, reset, closed, unreachable, DNS, connect timeout.
  if (code.startsWith('E') || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'connection';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_DESTROYED') return 'connection';
  return 'other';
}

export interface RequestTarget {
  /** A connection for one request, and where it goes back when the request has ended. */
  acquire(): Dispatcher;
  release(d: Dispatcher): void;
  /**
   * A dispatcher whose next request goes out on a connection of its own (released with
   * `release`): for the one resend after a reused connection closed. Without it, no resend.
   */
  acquireFresh?(): Dispatcher;
  path: string;
  timeoutMs: number;
  headers: Record<string, string>;
}

/** Request headers; `apiKey` (read from the recipe's `apiKeyEnv`) becomes a bearer token. */
export function requestHeaders(apiKey?: string): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (apiKey) h.authorization = `Bearer ${apiKey}`;
  return h;
}

/** What the runner knows about a request before sending it. */
export interface RequestPlan {
  /** Intended send time (performance.now() clock). */
  intendedMs: number;
  inputWords: number;
  maxTokens: number;
  /** Sent as `x-request-id` when per-request records are kept. */
  requestId?: string;
  /** Keep the generated text (`replyText`): a session's next turn carries it. */
  collectText?: boolean;
}

/**
 * Whether a request went out on a connection that had carried one before. undici does not tell a
 * handler which socket it got, but it publishes every request's headers with its socket, right
 * after (synchronously) calling the request's onConnect: that call names the request, the
 * publish its socket. One WeakMap update per request, off the per-chunk path.
 */
const requestsOnSocket = new WeakMap<object, number>();
let starting: StreamRequest | null = null;
subscribe('undici:client:sendHeaders', (message) => {
  const socket = (message as { socket?: object }).socket;
  if (socket === undefined) return;
  const before = requestsOnSocket.get(socket) ?? 0;
  requestsOnSocket.set(socket, before + 1);
  starting?.onSocket(before > 0);
  starting = null;
});

/** Connection errors that may mean a reused keep-alive connection was already closed by the server. */
const closedBeforeResponse = (err: unknown) => classifyError(err) === 'connection_reset';

export class StreamRequest implements Dispatcher.DispatchHandler, Operation {
  /**
   * performance.now() when loadgen handed the request to undici. Waiting there for a free
   * connection (only when the pool is capped) is in the service time, never hidden: response
   * times run from the intended send. After a reconnect: the resend (see `reconnected`).
   */
  sendMs: number;
  /** The first send: the end of any schedule lag (loadgen's own lateness), resend or not. */
  readonly firstSendMs: number;
  /** When the request times out: the runner's sweep aborts it then (no timer per request). */
  deadlineMs: number;
  /**
   * The first send went out on a reused connection that closed (or reset) before any response
   * (llama-server closes after every response while announcing keep-alive): it was sent once
   * more on a fresh connection, and counts as a reconnect, not a failure. Its service times run
   * from the resend, and its response times exclude the lost attempt too (the intended time
   * moves by as much), as the server never saw it; schedule lag stays first send − intended.
   */
  reconnected = false;
  readonly done: Promise<RequestOutcome>;
  /** First error detail seen (for the log), '' when none. */
  detail = '';
  /** Why the first send was lost, when it was resent (for the log). */
  firstError = '';

  private resolve!: (o: RequestOutcome) => void;
  private settled = false;
  /** undici's abort for the current send (from onConnect). */
  private abortSend: ((err: Error) => void) | null = null;
  private abortKind: string | null = null;
  private status = 0;
  private readonly parser = new SseParser();
  private readonly reader: OpenAiStreamReader;
  private readonly chunkTimes: number[] = [];
  private chunkTime = 0;
  private readonly target: RequestTarget;
  private connection: Dispatcher | null;
  private readonly body: string;
  /** The current send went out on a connection that had carried a request before. */
  private reused = false;

  get intendedMs(): number {
    return this.plan.intendedMs;
  }

  get requestId(): string | undefined {
    return this.plan.requestId;
  }

  get maxTokens(): number {
    return this.plan.maxTokens;
  }

  /** The generated text so far (only with `plan.collectText`). */
  get replyText(): string {
    return this.reader.text;
  }

  constructor(
    target: RequestTarget,
    body: string,
    readonly plan: RequestPlan,
  ) {
    this.done = new Promise((r) => {
      this.resolve = r;
    });
    this.reader = new OpenAiStreamReader(plan.collectText === true);
    this.sendMs = performance.now();
    this.firstSendMs = this.sendMs;
    this.deadlineMs = this.sendMs + target.timeoutMs;
    this.target = target;
    this.body = body;
    this.connection = target.acquire();
    this.dispatch();
  }

  private dispatch(): void {
    const { target, plan } = this;
    try {
      const headers =
        plan.requestId === undefined ? target.headers : { ...target.headers, 'x-request-id': plan.requestId };
      this.connection!.dispatch({ path: target.path, method: 'POST', headers, body: this.body }, this);
    } catch (err) {
      this.finish({ ok: false, error: classifyError(err) }, err);
    }
  }

  /** Called as undici writes this request onto a socket (see requestsOnSocket). */
  onSocket(reused: boolean): void {
    this.reused = reused;
  }

  /** Ends the request now as `kind` ('timeout', or 'aborted' when the runner stops). */
  abort(kind: string): void {
    if (this.settled) return;
    this.abortKind = kind;
    // Settle at once even if undici has not started the request yet (still connecting), so a
    // stop never waits for a connect timeout; the send is aborted when it starts.
    this.finish({ ok: false, error: kind });
    this.abortSend?.(new Error(`request ${kind}`));
  }

  // undici's handler methods of its first API (onConnect, onHeaders, onData, onComplete,
  // onError), deprecated but kept in undici 7: a handler of the newer one (onRequestStart, ...)
  // is wrapped in an adapter that, per request, makes two objects more, adds a call to every
  // chunk and parses the response headers into an object nobody here reads (~3% of loadgen's
  // CPU at c64 in bench:loadgen).

  onConnect(abort: (err: Error) => void): void {
    this.abortSend = abort;
    starting = this;
    if (this.abortKind !== null) abort(new Error(`request ${this.abortKind}`));
  }

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    // Non-2xx bodies are read (to keep the connection reusable) and discarded.
    if (this.settled || this.status < 200 || this.status >= 300) return true;
    // One timestamp per socket read: every event in this chunk arrived at the same moment.
    this.chunkTime = performance.now();
    this.parser.push(chunk, this.onPayload);
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    if (this.status < 200 || this.status >= 300) {
      this.finish({ ok: false, error: `http_${this.status}` });
      return;
    }
    const endMs = performance.now();
    this.chunkTime = endMs;
    this.parser.end(this.onPayload);
    const r = this.reader;
    const error = r.finish();
    if (error !== null) {
      this.detail = r.errorDetail;
      this.finish({ ok: false, error });
      return;
    }
    this.finish({
      ok: true,
      timeline: {
        // A reconnect moves the origin of response times by the lost attempt (see `reconnected`).
        intendedMs: this.plan.intendedMs + (this.sendMs - this.firstSendMs),
        sendMs: this.sendMs,
        chunkTimesMs: this.chunkTimes,
        chunkTokens: r.knownChunkTokens(),
        endMs,
        outputTokens: r.completionTokens,
        streamChunks: r.tokenChunks,
      },
      promptTokens: r.promptTokens,
      inputWords: this.plan.inputWords,
      maxTokens: this.plan.maxTokens,
      cachedTokens: r.cachedTokens,
      serverTimings: r.timings,
      reconnected: this.reconnected,
    });
  }

  onError(err: Error): void {
    if (this.mayResend(err)) {
      this.resend(err);
      return;
    }
    this.finish(
      { ok: false, error: this.abortKind ?? classifyError(err), reconnected: this.reconnected },
      err,
    );
  }

  /** Once only, before any response, on a reused connection, and only for a close or reset. */
  private mayResend(err: Error): boolean {
    return (
      !this.settled &&
      this.abortKind === null &&
      !this.reconnected &&
      this.reused &&
      this.status === 0 &&
      this.target.acquireFresh !== undefined &&
      closedBeforeResponse(err)
    );
  }

  private resend(err: Error): void {
    this.reconnected = true;
    this.firstError = err.message;
    if (this.connection !== null) this.target.release(this.connection);
    this.connection = this.target.acquireFresh!();
    this.abortSend = null;
    this.reused = false;
    this.sendMs = performance.now();
    this.deadlineMs = this.sendMs + this.target.timeoutMs;
    this.dispatch();
  }

  private readonly onPayload = (text: string, start: number, end: number): void => {
    if (this.reader.onPayloadIn(text, start, end)) this.chunkTimes.push(this.chunkTime);
  };

  private finish(o: RequestOutcome, err?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (this.connection !== null) {
      this.target.release(this.connection);
      this.connection = null;
    }
    if (err !== undefined && this.detail === '') this.detail = String((err as Error)?.message ?? err);
    this.resolve(o);
  }
}
