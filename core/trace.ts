/**
 * Request traces (`workload.dataset.trace`), in the Mooncake format: one JSON object per line,
 *   {"timestamp": 27482, "input_length": 6955, "output_length": 52, "hash_ids": [46, 47, ...]}
 * `timestamp`: arrival in ms (from the trace's first request); `input_length`/`output_length`:
 * tokens; `hash_ids`: one id per block of `blockSize` input tokens, equal ids meaning the same
 * block, i.e. a prefix two requests share. Pure: the worker checks a trace with it before
 * uploading it, and the load generator replays it.
 */

export interface TraceEntry {
  /** Arrival in ms, as the file gives it. */
  timestampMs: number;
  inputLength: number;
  outputLength: number;
  /** Ids of the input's blocks, in order; absent = the input shares nothing. */
  hashIds?: number[];
}

/** Lines a trace may hold: it is read whole into every client's memory. */
export const MAX_TRACE_LINES = 2_000_000;

const isCount = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;

function parseLine(line: string): TraceEntry | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'expected a JSON object';
  const o = v as Record<string, unknown>;
  const ts = o.timestamp;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0)
    return 'timestamp must be a number of ms >= 0';
  if (!isCount(o.input_length, 1)) return 'input_length must be an integer >= 1';
  if (!isCount(o.output_length, 1)) return 'output_length must be an integer >= 1';
  const entry: TraceEntry = {
    timestampMs: ts,
    inputLength: o.input_length as number,
    outputLength: o.output_length as number,
  };
  if (o.hash_ids !== undefined) {
    const ids = o.hash_ids;
    if (!Array.isArray(ids) || !ids.every((id) => isCount(id, 0)))
      return 'hash_ids must be an array of integers >= 0';
    if (ids.length > 0) entry.hashIds = ids as number[];
  }
  return entry;
}

/**
 * Parses a whole trace; throws listing up to 5 bad lines with their numbers. Blank lines are
 * skipped. Entries come back in time order (a stable sort: lines with one timestamp keep their
 * order), which is the order they are sent and split over the clients.
 */
export function parseTrace(text: string): TraceEntry[] {
  const entries: TraceEntry[] = [];
  const bad: string[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const r = parseLine(line);
    if (typeof r === 'string') bad.push(`line ${i + 1}: ${r}`);
    else entries.push(r);
  });
  if (bad.length > 0) throw new Error(`bad trace lines (${bad.length}):\n  ${bad.slice(0, 5).join('\n  ')}`);
  if (entries.length === 0) throw new Error('the trace has no requests');
  if (entries.length > MAX_TRACE_LINES)
    throw new Error(`the trace has ${entries.length} requests; at most ${MAX_TRACE_LINES}`);
  return entries.sort((a, b) => a.timestampMs - b.timestampMs);
}

/** Send times in ms from the stage's start: each timestamp from the first one, divided by `speed`. */
export function traceTimes(entries: readonly TraceEntry[], speed: number): Float64Array {
  const first = entries[0]?.timestampMs ?? 0;
  return Float64Array.from(entries, (e) => (e.timestampMs - first) / speed);
}
