/**
 * Per-request latency math (design.md §3). Times are monotonic milliseconds
 * (performance.now()); only the differences matter.
 */
import type { Slo } from '../core/loadgen-protocol';

export interface Timeline {
  sendMs: number;
  /** Arrival time of each token-bearing chunk, in order. */
  chunkTimesMs: number[];
  /** Last byte of the response. */
  endMs: number;
  /** From the server's `usage`; null when it sent none. */
  outputTokens: number | null;
  /** Token-bearing chunks counted from the stream. */
  streamChunks: number;
}

export interface RequestMetrics {
  /** null when no chunk carried a token (then the request can meet no TTFT SLO). */
  ttftMs: number | null;
  e2eMs: number;
  /** One gap per token-bearing chunk after the first, however many tokens that chunk held. */
  itlMs: number[];
  /** null below 2 output tokens, where "time per output token after the first" is undefined. */
  tpotMs: number | null;
  /** `usage` when present, else the stream's token-bearing chunk count. */
  outputTokens: number;
}

export function computeMetrics(t: Timeline): RequestMetrics {
  const times = t.chunkTimesMs;
  const first = times[0];
  const ttftMs = first === undefined ? null : first - t.sendMs;
  const e2eMs = t.endMs - t.sendMs;
  const itlMs: number[] = [];
  for (let i = 1; i < times.length; i++) itlMs.push(times[i]! - times[i - 1]!);
  const outputTokens = t.outputTokens ?? t.streamChunks;
  // TPOT divides by tokens, not chunks: a server that packs k tokens per chunk has k times fewer
  // ITL gaps but the same TPOT.
  const tpotMs = ttftMs !== null && outputTokens >= 2 ? (e2eMs - ttftMs) / (outputTokens - 1) : null;
  return { ttftMs, e2eMs, itlMs, tpotMs, outputTokens };
}

/**
 * True when the request meets every SLO that is set. ITL is judged on the worst gap of the
 * request; a metric that is undefined for this request (TPOT or ITL of a 1-token answer) cannot
 * violate its SLO, but a missing TTFT (no token at all) fails a TTFT SLO.
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
