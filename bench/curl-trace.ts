/**
 * Reads `curl --trace-time --trace-ascii -` output into per-request records, so curl (a C client)
 * can be held against the simulator's timing log exactly as the loadgen is (bench:loadgen part
 * c): the peer that shows how exactly this machine's transport lets any client measure.
 *
 * A request is recognised by its `x-request-id` header in a "=> Send header" block; its send time
 * is that block's time. Every "<= Recv data" block after it (one socket read, chunked framing
 * included) is stamped with its time, and each token-bearing SSE event in it gets that time.
 * Times are wall-clock `HH:MM:SS.micro`; only differences within one request are used.
 */
import type { RequestRecord } from '../core/loadgen-protocol';

const DUMP = /^[0-9a-f]{4}: /;
const STAMP = /^(\d\d):(\d\d):(\d\d\.\d+) (=>|<=|==) (.*)$/;
/** A token-bearing event: a content/text key with a non-empty string value. */
const TOKEN = /"(?:content|text)":"(?!")/g;

const ms = (h: string, m: string, s: string) => (Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000;

export function parseCurlTrace(trace: string): RequestRecord[] {
  const out: RequestRecord[] = [];
  let current: { id: string; sentMs: number; chunkMs: number[] } | null = null;
  let block: { kind: 'send-header' | 'recv-data' | 'other'; at: number; lines: string[] } | null = null;

  const close = () => {
    if (block === null) return;
    if (block.kind === 'send-header') {
      // One dump line per header line.
      const id = /^x-request-id: (\S+)$/im.exec(block.lines.join('\n'))?.[1];
      if (id !== undefined) {
        if (current !== null) out.push(record(current));
        current = { id, sentMs: block.at, chunkMs: [] };
      }
    } else if (block.kind === 'recv-data' && current !== null) {
      // Data dump lines wrap at 64 bytes: rejoined without a separator.
      const tokens = block.lines.join('').match(TOKEN)?.length ?? 0;
      for (let i = 0; i < tokens; i++) current.chunkMs.push(block.at - current.sentMs);
    }
    block = null;
  };

  for (const line of trace.split('\n')) {
    const m = STAMP.exec(line);
    if (m !== null) {
      close();
      const what = m[5]!;
      const kind =
        m[4] === '=>' && what.startsWith('Send header')
          ? 'send-header'
          : m[4] === '<=' && what.startsWith('Recv data')
            ? 'recv-data'
            : 'other';
      block = { kind, at: ms(m[1]!, m[2]!, m[3]!), lines: [] };
    } else if (block !== null) {
      // Dump lines are "0040: <up to 64 bytes>".
      if (DUMP.test(line)) block.lines.push(line.slice(6));
    }
  }
  close();
  if (current !== null) out.push(record(current));
  return out;
}

function record(r: { id: string; sentMs: number; chunkMs: number[] }): RequestRecord {
  return {
    stage: 0,
    client: 0,
    seq: 0,
    id: r.id,
    intendedMs: r.sentMs,
    sentMs: r.sentMs,
    measured: true,
    ok: r.chunkMs.length > 0,
    maxTokens: r.chunkMs.length,
    chunkMs: r.chunkMs.map((t) => Math.round(t * 1000) / 1000),
  };
}
