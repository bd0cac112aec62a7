/**
 * Interprets the `data:` payloads of an OpenAI-compatible streaming response (chat or
 * completions): which chunks carry generated tokens, the final `usage`, `[DONE]`, and errors.
 *
 * JSON.parse of every payload was a fifth of loadgen's CPU at 10k req/s (bench:loadgen), so the
 * common token chunk takes a fast path (`scanTokenChunk`) and everything else — usage, llama.cpp's
 * `timings`, errors, anything unusual — is parsed in full.
 */
import type { ServerTimings } from '../core/loadgen-protocol';

/** malformed_stream: unparseable payload; stream_error: the server's in-stream error; early_stop: ended before [DONE]. */
export type StreamErrorKind = 'malformed_stream' | 'stream_error' | 'early_stop';

interface Delta {
  content?: unknown;
  reasoning_content?: unknown;
  reasoning?: unknown;
}
interface Choice {
  delta?: Delta;
  text?: unknown;
}
interface Chunk {
  choices?: Choice[];
  usage?: {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    prompt_tokens_details?: { cached_tokens?: unknown } | null;
  } | null;
  /** llama.cpp: its own timings, in the last chunk. */
  timings?: unknown;
  error?: unknown;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** llama-server's `timings` object, or null when it is not one (absent, or fields missing). */
export function parseTimings(t: unknown): ServerTimings | null {
  if (t === null || typeof t !== 'object') return null;
  const o = t as Record<string, unknown>;
  const { prompt_n, prompt_ms, predicted_n, predicted_ms, predicted_per_token_ms, cache_n } = o;
  if (!finite(prompt_n) || !finite(prompt_ms) || !finite(predicted_n) || !finite(predicted_ms)) return null;
  const perToken = finite(predicted_per_token_ms)
    ? predicted_per_token_ms
    : predicted_n > 0
      ? predicted_ms / predicted_n
      : 0;
  const r: ServerTimings = {
    promptN: prompt_n,
    promptMs: prompt_ms,
    predictedN: predicted_n,
    predictedMs: predicted_ms,
    predictedPerTokenMs: perToken,
  };
  if (finite(cache_n)) r.cacheN = cache_n;
  return r;
}

const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

/** Generated text in any choice: chat `delta.content`, reasoning (`reasoning_content`, or `reasoning` in newer vLLM), completions `text`. */
function carriesTokens(choices: Choice[]): boolean {
  for (const c of choices) {
    if (nonEmpty(c.text)) return true;
    const d = c.delta;
    if (
      d !== undefined &&
      d !== null &&
      (nonEmpty(d.content) || nonEmpty(d.reasoning_content) || nonEmpty(d.reasoning))
    )
      return true;
  }
  return false;
}

/** The answer's text in a chunk: chat `delta.content` or completions `text` (not reasoning). */
function contentOf(choices: Choice[]): string {
  let out = '';
  for (const c of choices) {
    if (typeof c.text === 'string') out += c.text;
    const content = c.delta?.content;
    if (typeof content === 'string') out += content;
  }
  return out;
}

/**
 * One pass over the payload finds every key that matters: a usage or timings object, an error, or a token
 * key followed by a non-empty string value (the lookahead rejects `""`). JSON whitespace around
 * the colon is allowed, so pretty-printed servers keep the fast path. State lives in lastIndex,
 * so `test` allocates nothing; the kind of match is read off its last character. This is about
 * five times cheaper than the separate `includes`/`indexOf` scans it replaced (bench:loadgen).
 */
const SCAN =
  /"(?:(?:usage|timings)"\s*:\s*\{|error"\s*:|(?:content|text|reasoning_content|reasoning)"\s*:\s*"(?!"))/g;
const QUOTE = 34;

/**
 * Decides whether a JSON payload carries generated text without parsing it, or returns null
 * when only a full parse can tell. It relies on JSON itself: a quoted word followed by a colon is
 * always a key (quotes inside string values are escaped), so finding `"content":"` followed by
 * anything but `"` means a non-empty string value. Payloads that may hold usage, timings or an error, or
 * do not look like one object (truncated, HTML, text) go to the full parse, which also catches
 * malformed ones.
 */
export function scanTokenChunk(data: string): boolean | null {
  const at = scanTokens(data);
  return at === SCAN_PARSE ? null : at !== SCAN_NONE;
}

/** scanTokens: only a full parse can tell. */
const SCAN_PARSE = -2;
/** scanTokens: no token key with a non-empty string value. */
const SCAN_NONE = -1;
/** scanTokens: tokens, in more than one value (no single value to make a template of). */
const SCAN_MANY = 0;

/**
 * scanTokenChunk's scan: SCAN_PARSE, SCAN_NONE, SCAN_MANY, or (exactly one token value) where
 * that value's text starts (after its opening quote).
 */
function scanTokens(data: string): number {
  const n = data.length;
  if (n < 2 || data.charCodeAt(0) !== 123 || data.charCodeAt(n - 1) !== 125) return SCAN_PARSE;
  let at = SCAN_NONE;
  SCAN.lastIndex = 0;
  while (SCAN.test(data)) {
    // Only a token key's match ends in a quote (the opening quote of its value).
    if (data.charCodeAt(SCAN.lastIndex - 1) !== QUOTE) {
      SCAN.lastIndex = 0;
      return SCAN_PARSE;
    }
    at = at === SCAN_NONE ? SCAN.lastIndex : SCAN_MANY;
  }
  return at;
}

const BACKSLASH = 92;

/** Where the JSON string whose text starts at `from` ends (its closing quote), or -1. */
function stringEnd(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === BACKSLASH) i++; // an escape: the next character is part of it
  }
  return -1;
}

/**
 * `s` from `from` to `to` is the inside of a JSON string closed by the quote at `to`: no quote in
 * it, and not an odd run of backslashes at its end (which would escape that quote).
 */
function plainValue(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === QUOTE) return false;
  let i = to - 1;
  while (i >= from && s.charCodeAt(i) === BACKSLASH) i--;
  return ((to - 1 - i) & 1) === 0;
}

/** Accumulates what one response stream said. One instance per request. */
export class OpenAiStreamReader {
  /** Chunks that carried generated text (the stream-side token count). */
  tokenChunks = 0;
  promptTokens: number | null = null;
  completionTokens: number | null = null;
  /** `usage.prompt_tokens_details.cached_tokens`, when the server reports it. */
  cachedTokens: number | null = null;
  /** llama.cpp's `timings` (the last one seen: the final chunk's covers the whole request). */
  timings: ServerTimings | null = null;
  /**
   * Tokens of each token-bearing chunk, from cumulative per-chunk usage (vLLM's
   * `continuous_usage_stats`); null as soon as one token chunk came without it.
   */
  chunkTokens: number[] | null = [];
  done = false;
  error: StreamErrorKind | null = null;
  errorDetail = '';
  /** The generated text (chat `delta.content`, completions `text`), when collected. */
  text = '';
  /**
   * This stream's last plain token chunk, around its one token value: the text before the value
   * (up to and with its opening quote) and after it (from its closing quote). See onPayloadIn.
   */
  private head = '';
  private tail = '';

  /**
   * `collectText`: keep the generated text (multi-turn sessions send it back as the assistant's
   * turn). Every payload is then parsed in full: the fast path never reads the text.
   */
  constructor(private readonly collectText = false) {}

  /**
   * onPayload of `text.slice(start, end)`, without making that string when the payload is the
   * stream's last plain token chunk again with another token in it (most are: a server sends the
   * same object each time, and only the token changes). Text before and after the token value
   * identical to that chunk's, and a value between that holds no quote and ends unescaped (so the
   * quote after it closes it), make the same JSON with another non-empty string in that one
   * value: a token chunk, as scanTokenChunk (and a full parse) would find. Everything else takes
   * onPayload's way.
   */
  onPayloadIn(text: string, start: number, end: number): boolean {
    const { head, tail } = this;
    if (head !== '' && !this.done && this.error === null) {
      const from = start + head.length;
      const to = end - tail.length;
      if (
        from < to &&
        text.substring(start, from) === head &&
        text.substring(to, end) === tail &&
        plainValue(text, from, to)
      )
        return this.plainTokenChunk();
    }
    return this.onPayload(start === 0 && end === text.length ? text : text.slice(start, end));
  }

  /** A token chunk known without a parse: it holds no usage, so no per-chunk counts. */
  private plainTokenChunk(): true {
    this.tokenChunks++;
    this.chunkTokens = null;
    return true;
  }

  /** Handles one payload; returns true when it carried generated text (so its arrival time is a token time). */
  onPayload(data: string): boolean {
    if (this.done || this.error !== null) return false; // anything after [DONE] or an error is ignored
    if (data === '[DONE]') {
      this.done = true;
      return false;
    }
    if (!this.collectText) {
      const at = scanTokens(data);
      if (at !== SCAN_PARSE) {
        if (at === SCAN_NONE) return false;
        if (at !== SCAN_MANY) {
          // One token value: the template of the chunks that follow (see onPayloadIn).
          const close = stringEnd(data, at);
          if (close > at) {
            this.head = data.slice(0, at);
            this.tail = data.slice(close);
          }
        }
        return this.plainTokenChunk();
      }
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      return this.fail('malformed_stream', `bad JSON: ${data.slice(0, 200)}`);
    }
    if (chunk === null || typeof chunk !== 'object')
      return this.fail('malformed_stream', 'payload is not an object');
    // vLLM and others report failures after the 200 header as an in-stream {"error": ...}.
    if (chunk.error !== undefined && chunk.error !== null) {
      return this.fail('stream_error', JSON.stringify(chunk.error).slice(0, 200));
    }
    const usage = chunk.usage;
    const before = this.completionTokens ?? 0;
    let cumulative: number | null = null;
    if (usage !== undefined && usage !== null) {
      if (typeof usage.completion_tokens === 'number') cumulative = usage.completion_tokens;
      if (typeof usage.prompt_tokens === 'number') this.promptTokens = usage.prompt_tokens;
      const cached = usage.prompt_tokens_details?.cached_tokens;
      if (typeof cached === 'number') this.cachedTokens = cached;
    }
    if (chunk.timings !== undefined) this.timings = parseTimings(chunk.timings) ?? this.timings;
    if (cumulative !== null) this.completionTokens = cumulative;
    if (Array.isArray(chunk.choices) && carriesTokens(chunk.choices)) {
      if (this.collectText) this.text += contentOf(chunk.choices);
      this.tokenChunks++;
      if (this.chunkTokens !== null) {
        if (cumulative === null) this.chunkTokens = null;
        else this.chunkTokens.push(cumulative - before);
      }
      return true;
    }
    return false;
  }

  /** Per-chunk token counts, when every token chunk carried cumulative usage. */
  knownChunkTokens(): number[] | null {
    return this.chunkTokens !== null && this.chunkTokens.length === this.tokenChunks && this.tokenChunks > 0
      ? this.chunkTokens
      : null;
  }

  /** Call when the body ended: a stream that never said [DONE] was cut short. */
  finish(): StreamErrorKind | null {
    if (this.error === null && !this.done) this.fail('early_stop', 'stream ended without [DONE]');
    return this.error;
  }

  private fail(kind: StreamErrorKind, detail: string): false {
    this.error = kind;
    this.errorDetail = detail;
    return false;
  }
}
