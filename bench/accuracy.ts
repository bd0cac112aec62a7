/**
 * bench:loadgen part (c): how far are the client's TTFT, TPOT and ITL from what the server did?
 *
 * The simulator's timing log says when it received each request and when it handed each token
 * chunk to the socket; the loadgen's requests.jsonl says when it sent each request and when each
 * token chunk arrived. Both are joined on the request id (sent as `x-request-id`). Each side's
 * times are differences on its own monotonic clock, so no clock is shared between processes.
 *
 * What is left is the client's measurement error: the loopback round trip and HTTP parsing in
 * TTFT, and any delay between a chunk's arrival and the client noticing it (event loop, GC) in
 * ITL. The server's own lateness against its configured delays is reported apart (`vsConfigured`)
 * and is not the client's error.
 */
import type { RequestRecord } from '../core/loadgen-protocol';

/** One line of the simulator's `--timing-log`. */
export interface ServerTiming {
  requestId: string | null;
  outcome: 'finished' | 'aborted';
  /** When each token chunk was written, ms after the request arrived. */
  chunkMs: number[];
}

export interface ErrorSamples {
  /** Client TTFT (service time) − server TTFT, one per request. */
  ttft: number[];
  /** Client TPOT − server TPOT, one per request of 2+ chunks. */
  tpot: number[];
  /** Client gap − server gap, one per pair of consecutive chunks. */
  itl: number[];
  /** Requests joined; and client records left without a server line (should be 0). */
  joined: number;
  unmatched: number;
}

/**
 * Pairs measured, successful client records with the server's lines and returns signed errors.
 * Chunk counts must agree; a pair that disagrees counts as unmatched rather than being guessed at.
 */
export function measurementErrors(records: RequestRecord[], server: ServerTiming[]): ErrorSamples {
  const byId = new Map<string, ServerTiming>();
  for (const s of server) if (s.requestId !== null && s.outcome === 'finished') byId.set(s.requestId, s);
  const out: ErrorSamples = { ttft: [], tpot: [], itl: [], joined: 0, unmatched: 0 };
  for (const r of records) {
    if (!r.ok || !r.measured || r.chunkMs === undefined) continue;
    const s = byId.get(r.id);
    if (s === undefined || s.chunkMs.length !== r.chunkMs.length || r.chunkMs.length === 0) {
      out.unmatched++;
      continue;
    }
    out.joined++;
    const c = r.chunkMs;
    const w = s.chunkMs;
    const n = c.length;
    out.ttft.push(c[0]! - w[0]!);
    for (let i = 1; i < n; i++) out.itl.push(c[i]! - c[i - 1]! - (w[i]! - w[i - 1]!));
    if (n >= 2) out.tpot.push((c[n - 1]! - c[0]! - (w[n - 1]! - w[0]!)) / (n - 1));
  }
  return out;
}

/** p50 and p99 of |error| (exact, by sorting). NaN for no samples. */
export function absQuantiles(errors: number[]): { p50: number; p99: number } {
  if (errors.length === 0) return { p50: Number.NaN, p99: Number.NaN };
  const a = errors.map(Math.abs).sort((x, y) => x - y);
  const at = (p: number) => a[Math.min(a.length - 1, Math.ceil((p / 100) * a.length) - 1)]!;
  return { p50: at(50), p99: at(99) };
}

/**
 * The server's own lateness: its recorded TTFT and gaps against the configured constants. Not
 * the client's error; printed so a slow simulator is visible rather than charged to the client.
 */
export function serverLateness(
  server: ServerTiming[],
  known: { ttftMs: number; itlMs: number },
): { ttft: number[]; itl: number[] } {
  const ttft: number[] = [];
  const itl: number[] = [];
  for (const s of server) {
    if (s.outcome !== 'finished' || s.chunkMs.length === 0) continue;
    ttft.push(s.chunkMs[0]! - known.ttftMs);
    for (let i = 1; i < s.chunkMs.length; i++) itl.push(s.chunkMs[i]! - s.chunkMs[i - 1]! - known.itlMs);
  }
  return { ttft, itl };
}
