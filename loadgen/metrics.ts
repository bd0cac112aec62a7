/**
 * Per-request latency math (design.md §3). Times are monotonic milliseconds
 * (performance.now()); only the differences matter.
 */
import type { Slo } from '../core/loadgen-protocol';

export interface Timeline {
  /** When the request should have been sent: the schedule's time (open loop), else = sendMs. */
  intendedMs: number;
  /** When it was handed to the HTTP client. */
  sendMs: number;
  /** Arrival time of each token-bearing chunk, in order. */
  chunkTimesMs: number[];
  /**
   * Tokens in each token-bearing chunk, when the server said (vLLM's
   * `stream_options.continuous_usage_stats`: cumulative usage in every chunk); null otherwise.
   */
  chunkTokens: number[] | null;
  /** Last byte of the response. */
  endMs: number;
  /** From the server's `usage`; null when it sent none. */
  outputTokens: number | null;
  /** Token-bearing chunks counted from the stream. */
  streamChunks: number;
}

export interface RequestMetrics {
  /** Response time to the first token (from the intended send); null when no chunk carried a token. */
  ttftMs: number | null;
  /** Response time to the last byte (from the intended send). */
  e2eMs: number;
  /** The same two from the actual send (service time). */
  ttftServiceMs: number | null;
  e2eServiceMs: number;
  /** Actual − intended send. */
  lagMs: number;
  /** Per chunk (vLLM): one gap per token-bearing chunk after the first, however many tokens it held. */
  itlMs: number[];
  /** null below 2 output tokens, where "time per output token after the first" is undefined. */
  tpotMs: number | null;
  /** `usage` when present, else the stream's count. */
  outputTokens: number;
  /** Counted from the stream: per-chunk usage summed when given, else token-bearing chunks. */
  streamTokens: number;
}

/**
 * Chunk j's tokens: the server's own count when it gave one per chunk, else `total` spread as
 * evenly as possible (earlier chunks take the remainder), which is exact for servers that send the
 * same number of tokens in every chunk.
 */
function chunkTokenCounts(chunks: number, total: number, known: number[] | null): (j: number) => number {
  if (known !== null && known.length === chunks) return (j) => known[j]!;
  const base = Math.floor(total / chunks);
  const extra = total - base * chunks;
  return (j) => base + (j < extra ? 1 : 0);
}

/** Every chunk's tokens (chunkTokenCounts), as an array. */
export function tokensPerChunk(chunks: number, total: number, known: number[] | null): number[] {
  const k = chunkTokenCounts(chunks, total, known);
  return Array.from({ length: chunks }, (_, j) => k(j));
}

/**
 * ITL per token, one `fn(ms, count)` call each, in order: (gap / k, k) for each chunk of k tokens
 * after the first, plus (0, k1 - 1) for the tokens after the first one inside the first chunk
 * (they arrived together). No arrays made: StageStats records them straight into the histogram.
 */
export function forEachItlPerToken(
  t: Timeline,
  outputTokens: number,
  fn: (ms: number, count: number) => void,
): void {
  const times = t.chunkTimesMs;
  const chunks = times.length;
  if (chunks === 0) return;
  const k = chunkTokenCounts(chunks, outputTokens, t.chunkTokens);
  const k0 = k(0);
  if (k0 > 1) fn(0, k0 - 1);
  for (let i = 1; i < chunks; i++) {
    const ki = k(i);
    if (ki > 0) fn((times[i]! - times[i - 1]!) / ki, ki);
  }
}

/** A request's metrics; its per-token ITL is forEachItlPerToken's. */
export function computeMetrics(t: Timeline): RequestMetrics {
  const times = t.chunkTimesMs;
  const first = times[0];
  const ttftServiceMs = first === undefined ? null : first - t.sendMs;
  const ttftMs = first === undefined ? null : first - t.intendedMs;
  const e2eServiceMs = t.endMs - t.sendMs;
  const e2eMs = t.endMs - t.intendedMs;
  let streamTokens = t.streamChunks;
  if (t.chunkTokens !== null && t.chunkTokens.length === times.length) {
    streamTokens = 0;
    for (const k of t.chunkTokens) streamTokens += k;
  }
  const outputTokens = t.outputTokens ?? streamTokens;
  const itlMs: number[] = [];
  for (let i = 1; i < times.length; i++) itlMs.push(times[i]! - times[i - 1]!);
  // TPOT divides by tokens, not chunks: a server that packs k tokens per chunk has k times fewer
  // ITL gaps but the same TPOT. It is a difference of two times, so the same from either origin.
  const tpotMs =
    ttftServiceMs !== null && outputTokens >= 2 ? (e2eServiceMs - ttftServiceMs) / (outputTokens - 1) : null;
  return {
    ttftMs,
    e2eMs,
    ttftServiceMs,
    e2eServiceMs,
    lagMs: t.sendMs - t.intendedMs,
    itlMs,
    tpotMs,
    outputTokens,
    streamTokens,
  };
}

/**
 * True when the request meets every SLO that is set, judged on response times (what a user
 * waiting since the intended send saw). ITL is judged on the request's worst per-chunk gap; a
 * metric that is undefined for this request (TPOT or ITL of a 1-token answer) cannot violate its
 * SLO, but a missing TTFT (no token at all) fails a TTFT SLO.
 */
export function meetsSlo(m: RequestMetrics, slo: Slo | undefined): boolean {
  if (slo === undefined) return true;
  if (slo.ttftMs !== undefined && (m.ttftMs === null || m.ttftMs > slo.ttftMs)) return false;
  if (slo.e2eMs !== undefined && m.e2eMs > slo.e2eMs) return false;
  if (slo.tpotMs !== undefined && m.tpotMs !== null && m.tpotMs > slo.tpotMs) return false;
  if (slo.itlMs !== undefined) {
    for (const gap of m.itlMs) if (gap > slo.itlMs) return false;
  }
  return true;
}
