/**
 * The simulated inference engine: admits requests (FIFO beyond `maxConcurrency`), samples
 * their timing and length, and emits token chunks on schedule.
 *
 * Timing: every chunk has an absolute due time (`nextAt`, on performance.now()'s clock)
 * computed from the moment the request started, and timers are armed for the remaining
 * time to it. Lateness of one timer therefore never shifts the later chunks, and a timer
 * that fires early (Node's timer clock is millisecond-granular and can be stale under
 * load) is simply re-armed. Chunks that are already due are written in one batch, which
 * with zero delays means the whole response goes out in a single `res.end()`.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createCountSampler, createSampler, deriveRng } from '../core/random';
import {
  type ApiKind,
  completionBody,
  contentChunk,
  DONE_EVENT,
  type FinishReason,
  responseId,
  type StreamTemplate,
  streamTemplate,
  usageChunk,
} from './completion';
import { SimulatorMetrics } from './metrics';
import type { SimulatorOptions } from './options';
import { planOutput, type SimRequest } from './request';
import { TokenText } from './tokens';

/** A chunk due within this many ms is sent now: a re-armed timer could not be more exact. */
const EARLY_MS = 0.5;

const SSE_TYPE = 'text/event-stream; charset=utf-8';
const SSE_HEADERS = { 'Content-Type': SSE_TYPE, 'Cache-Control': 'no-cache' };
/**
 * Everything streamed is ASCII (vocabulary, ids, numbers, the ASCII-escaped model name), so
 * latin1 is byte-exact and spares Node the UTF-8 length scan and transcoding of each write.
 */
const ASCII = 'latin1';

/** The response type the server creates, so a closed connection can find its generation. */
export interface SimResponse extends ServerResponse {
  generation?: Generation;
}

type State = 'queued' | 'running' | 'done';

class Generation {
  state: State = 'queued';
  timer: NodeJS.Timeout | undefined;
  /** `timer` is really an Immediate (precise timing). */
  immediate = false;
  listening = false;
  template: StreamTemplate | undefined;
  id = '';
  created = 0;
  /** Due time of the next chunk (performance.now() clock). */
  nextAt = 0;
  /** When the previous chunk was written. */
  lastAt = 0;
  chunksSent = 0;
  tokensSent = 0;
  /** With a timing log, for streams: when each chunk went to the socket, ms after arrival. */
  readonly chunkMs: number[] | null;

  constructor(
    readonly engine: Engine,
    readonly res: SimResponse,
    readonly kind: ApiKind,
    readonly stream: boolean,
    readonly includeUsage: boolean,
    readonly promptTokens: number,
    readonly tokens: number,
    readonly finishReason: FinishReason,
    /** Where this response's text starts in the token ring. */
    readonly textAt: number,
    /** Request receipt; TTFT and e2e are measured from here, so queueing counts. */
    readonly arrival: number,
    /** The client's `x-request-id` header, for the timing log. */
    readonly requestId: string | null,
  ) {
    this.chunkMs = engine.timingLog === null || !stream ? null : [];
  }
}

export class Engine {
  readonly metrics: SimulatorMetrics;
  readonly tokensPerChunk: number;
  readonly text: TokenText;
  readonly ttftMs: () => number;
  readonly itlMs: () => number;
  private readonly outputTokens: () => number;
  private readonly textOffset: () => number;
  private readonly queue: Generation[] = [];
  private queueHead = 0;
  private draining = false;
  private stopped = false;
  private sequence = 0;
  private readonly idPrefix = Math.floor(Math.random() * 0xffffffff).toString(16);
  readonly timingLog: WriteStream | null;

  constructor(readonly options: SimulatorOptions) {
    const { seed } = options;
    this.metrics = new SimulatorMetrics(options.model, options.maxConcurrency);
    this.tokensPerChunk = options.tokensPerChunk;
    this.ttftMs = createSampler(options.ttftMs, deriveRng(seed, 0));
    this.itlMs = createSampler(options.itlMs, deriveRng(seed, 1));
    this.outputTokens = createCountSampler(options.outputTokens, deriveRng(seed, 2));
    this.text = new TokenText(deriveRng(seed, 3), this.tokensPerChunk);
    const offsetRng = deriveRng(seed, 4);
    this.textOffset = () => Math.floor(offsetRng() * this.text.size);
    this.timingLog = options.timingLog ? createWriteStream(options.timingLog, { flags: 'a' }) : null;
  }

  /** How long an embeddings request of `tokens` input tokens takes: a TTFT draw plus per-token time. */
  embeddingTimeMs(tokens: number): number {
    return this.ttftMs() + (tokens * this.options.embeddingUsPerToken) / 1000;
  }

  /** Takes over `res` for a validated request received at `arrival`. */
  submit(
    res: SimResponse,
    kind: ApiKind,
    req: SimRequest,
    arrival: number,
    requestId: string | null = null,
  ): void {
    const plan = planOutput(this.outputTokens(), req);
    const g = new Generation(
      this,
      res,
      kind,
      req.stream,
      req.includeUsage,
      req.promptTokens,
      plan.tokens,
      plan.finishReason,
      this.textOffset(),
      arrival,
      requestId,
    );
    const max = this.options.maxConcurrency;
    if (max !== undefined && this.metrics.running >= max) {
      this.queue.push(g);
      this.metrics.waiting++;
      watchClose(g);
      return;
    }
    this.start(g, arrival);
  }

  private start(g: Generation, now: number): void {
    g.state = 'running';
    this.metrics.running++;
    this.metrics.promptTokens += g.promptTokens;
    g.id = responseId(g.kind, this.idPrefix + (this.sequence++).toString(36));
    g.created = Math.floor(Date.now() / 1000);
    if (g.stream) g.template = streamTemplate(g.kind, g.id, g.created, this.options.model);
    g.nextAt = now + this.ttftMs();
    pump(g);
  }

  /** `whole`: nothing was written yet, so the response is sent with a Content-Length. */
  finish(g: Generation, out: string, now: number, whole: boolean): void {
    g.state = 'done';
    const m = this.metrics;
    m.running--;
    m.finished[g.finishReason]++;
    m.e2e.observe((now - g.arrival) / 1000);
    if (g.stream) {
      if (g.includeUsage) out += usageChunk(g.template!, g.promptTokens, g.tokens);
      out += DONE_EVENT;
      if (whole) {
        // Headers and body in one write, without chunked framing: the zero-delay fast path.
        const length = out.length;
        g.res.writeHead(200, {
          'Content-Type': SSE_TYPE,
          'Cache-Control': 'no-cache',
          'Content-Length': length,
        });
      }
      g.res.end(out, ASCII);
    } else {
      const body = completionBody({
        kind: g.kind,
        id: g.id,
        created: g.created,
        model: this.options.model,
        text: this.text.text(g.textAt, g.tokens),
        finishReason: g.finishReason,
        promptTokens: g.promptTokens,
        completionTokens: g.tokens,
      });
      g.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      g.res.end(body);
    }
    // After the write, so logging never delays the last chunk it records.
    this.logTiming(g, 'finished');
    this.drain();
  }

  /** The client went away: stop generating and free the slot. */
  abort(g: Generation): void {
    if (g.state === 'queued') {
      // Left in the queue array; drain() skips it.
      this.metrics.waiting--;
    } else if (g.state === 'running') {
      clearTimeout(g.timer);
      if (g.immediate) clearImmediate(g.timer as unknown as NodeJS.Immediate);
      this.metrics.running--;
      this.metrics.finished.abort++;
      this.logTiming(g, 'aborted');
      this.drain();
    }
    g.state = 'done';
  }

  private logTiming(g: Generation, outcome: 'finished' | 'aborted'): void {
    if (this.timingLog === null || g.chunkMs === null) return;
    const line = { requestId: g.requestId, outcome, chunkMs: g.chunkMs };
    this.timingLog.write(`${JSON.stringify(line)}\n`);
  }

  /** Flushes the timing log (after the server has closed). */
  closeTimingLog(): Promise<void> {
    const log = this.timingLog;
    return log === null ? Promise.resolve() : new Promise((resolve) => log.end(resolve));
  }

  /** On shutdown: queued requests must not start as the connections are torn down. */
  stop(): void {
    this.stopped = true;
  }

  private drain(): void {
    const max = this.options.maxConcurrency;
    // start() can finish synchronously and call back in here; the outer loop carries on.
    if (max === undefined || this.draining || this.stopped) return;
    this.draining = true;
    while (this.queueHead < this.queue.length && this.metrics.running < max) {
      const g = this.queue[this.queueHead++]!;
      if (g.state !== 'queued') continue;
      this.metrics.waiting--;
      this.start(g, performance.now());
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    this.draining = false;
  }
}

// Module-level functions (not per-request closures) keep the hot path allocation-light.

function onResponseClose(this: SimResponse): void {
  const g = this.generation;
  if (g) g.engine.abort(g);
}

function watchClose(g: Generation): void {
  if (g.listening) return;
  g.listening = true;
  g.res.generation = g;
  g.res.on('close', onResponseClose);
}

function pump(g: Generation): void {
  g.timer = undefined;
  const now = performance.now();
  if (g.nextAt - now > (g.engine.options.preciseTiming ? 0 : EARLY_MS)) {
    arm(g, now);
    return;
  }
  const e = g.engine;
  const k = e.tokensPerChunk;
  const firstInBatch = g.chunksSent;
  const tokensBefore = g.tokensSent;
  let out = '';
  for (;;) {
    const count = Math.min(k, g.tokens - g.tokensSent);
    const last = g.tokensSent + count === g.tokens;
    if (g.stream) {
      const at = g.textAt + g.tokensSent;
      const text = count === k ? e.text.window(at) : e.text.text(at, count);
      out += contentChunk(g.template!, g.chunksSent, text, last ? g.finishReason : null);
    }
    g.chunksSent++;
    g.tokensSent += count;
    if (last) break;
    // Each chunk is as far from the previous one as its own tokens take to generate.
    g.nextAt += Math.min(k, g.tokens - g.tokensSent) * e.itlMs();
    if (g.nextAt - now > EARLY_MS) break;
  }

  const m = e.metrics;
  const batch = g.chunksSent - firstInBatch;
  if (g.chunkMs !== null) {
    // Stamped after the chunks were built, just before they are written.
    const at = Math.round((performance.now() - g.arrival) * 1000) / 1000;
    for (let i = 0; i < batch; i++) g.chunkMs.push(at);
  }
  if (firstInBatch === 0) m.ttft.observe((now - g.arrival) / 1000);
  else m.itl.observe((now - g.lastAt) / 1000);
  // Chunks written together are zero apart.
  if (batch > 1) m.itl.observeMany(0, batch - 1);
  m.generationTokens += g.tokensSent - tokensBefore;
  g.lastAt = now;

  if (g.tokensSent === g.tokens) {
    e.finish(g, out, now, firstInBatch === 0);
    return;
  }
  if (g.stream) {
    // Headers go out with the first chunk; no separate packet just for them.
    if (firstInBatch === 0) g.res.writeHead(200, SSE_HEADERS);
    g.res.write(out, ASCII);
  }
  arm(g, now);
}

/** Precise timing: a timer to this long before the due time, then event-loop turns to it. */
const SPIN_MS = 1.5;

function arm(g: Generation, now: number): void {
  watchClose(g);
  const wait = g.nextAt - now;
  if (g.engine.options.preciseTiming && wait <= SPIN_MS) {
    // Node timers fire up to ~1 ms late; setImmediate turns (I/O keeps flowing) hit the due
    // time within a few µs, at the cost of a busy core while a chunk is about to be due.
    g.timer = setImmediate(pump, g) as unknown as NodeJS.Timeout;
    g.immediate = true;
    return;
  }
  g.immediate = false;
  g.timer = setTimeout(pump, g.engine.options.preciseTiming ? wait - SPIN_MS : wait, g);
}
