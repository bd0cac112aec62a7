/**
 * Interprets the `data:` payloads of an OpenAI-compatible streaming response (chat or
 * completions): which chunks carry generated tokens, the final `usage`, `[DONE]`, and errors.
 *
 * Every payload is JSON.parse'd. That is the main per-chunk cost of the load generator (a few µs
 * per chunk); a cheaper scan for `"content":"` would misread escaped or unusual payloads, so
 * correctness wins until a benchmark says otherwise.
 */

export type StreamErrorKind = 'malformed_stream' | 'stream_error';

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
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
  error?: unknown;
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

/** Accumulates what one response stream said. One instance per request. */
export class OpenAiStreamReader {
  /** Chunks that carried generated text (the stream-side token count). */
  tokenChunks = 0;
  promptTokens: number | null = null;
  completionTokens: number | null = null;
  done = false;
  error: StreamErrorKind | null = null;
  errorDetail = '';

  /** Handles one payload; returns true when it carried generated text (so its arrival time is a token time). */
  onPayload(data: string): boolean {
    if (this.done || this.error !== null) return false; // anything after [DONE] or an error is ignored
    if (data === '[DONE]') {
      this.done = true;
      return false;
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
    if (usage !== undefined && usage !== null) {
      if (typeof usage.completion_tokens === 'number') this.completionTokens = usage.completion_tokens;
      if (typeof usage.prompt_tokens === 'number') this.promptTokens = usage.prompt_tokens;
    }
    if (Array.isArray(chunk.choices) && carriesTokens(chunk.choices)) {
      this.tokenChunks++;
      return true;
    }
    return false;
  }

  /** Call when the body ended: a stream that never said [DONE] was cut short. */
  finish(): StreamErrorKind | null {
    if (this.error === null && !this.done) this.fail('malformed_stream', 'stream ended without [DONE]');
    return this.error;
  }

  private fail(kind: StreamErrorKind, detail: string): false {
    this.error = kind;
    this.errorDetail = detail;
    return false;
  }
}
