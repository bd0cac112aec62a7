/**
 * Incremental Server-Sent Events parser, reduced to what OpenAI-style streams need: it yields the
 * `data` of each event and ignores `event:`, `id:`, `retry:` and `:` comments.
 *
 * Chunks may split lines (and UTF-8 sequences) anywhere. Lines end in `\n` or `\r\n`; a lone `\r`
 * line ending (allowed by the SSE spec, used by no inference server) is not supported.
 *
 * It runs for every chunk of every request, so each socket read is decoded once: the bytes up to
 * its last newline become one string, and each `data:` value is a slice of it (V8 slices share
 * the parent's memory, so no copy per event). Cutting at a `\n` byte is safe for UTF-8 (a
 * multi-byte sequence never contains 0x0A), so no streaming text decoder is needed; only the
 * bytes of an unfinished last line are kept between chunks.
 *
 * An event's data is handed over as a range of that text (`onData(text, start, end)`: the data is
 * `text.slice(start, end)`), so the usual event (one `data:` line, then the blank line) costs no
 * string of its own and one newline search: the reader slices only what it has to parse. Data of
 * several lines is joined into a string of its own and handed over whole.
 */
const NL = 10;
const CR = 13;
const SPACE = 32;
const COLON = 58;

/** The line starts with "data:" (char compare; no substring allocated). */
const isDataField = (s: string, i: number) =>
  s.charCodeAt(i) === 100 &&
  s.charCodeAt(i + 1) === 97 &&
  s.charCodeAt(i + 2) === 116 &&
  s.charCodeAt(i + 3) === 97 &&
  s.charCodeAt(i + 4) === COLON;

/** Receives one event's data: `text.slice(start, end)`. */
export type SseDataSink = (text: string, start: number, end: number) => void;

export class SseParser {
  /** Bytes of an unfinished line carried over from the previous chunk. */
  private pending: Buffer | null = null;
  /** Data of the event being assembled; null when it has no `data:` line yet. */
  private data: string | null = null;

  /** Feeds one chunk and calls `onData` for every event it completes. */
  push(chunk: Uint8Array | string, onData: SseDataSink): void {
    let buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.isBuffer(chunk)
          ? chunk // undici's case: no view to make
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, buf]);
      this.pending = null;
    }
    const last = buf.lastIndexOf(NL);
    if (last >= 0) this.lines(buf.toString('utf8', 0, last + 1), onData);
    // Copy the tail: the chunk's memory may be reused by the caller after we return.
    if (last + 1 < buf.length) this.pending = Buffer.from(buf.subarray(last + 1));
  }

  /**
   * End of stream. Lenient on purpose: a final event without its blank line (or even without its
   * last newline) is still delivered; a truncated JSON payload then fails to parse downstream.
   */
  end(onData: SseDataSink): void {
    const rest = this.pending;
    this.pending = null;
    if (rest !== null) this.lines(`${rest.toString('utf8')}\n`, onData);
    if (this.data !== null) this.dispatch(onData);
  }

  /** Every line of `text`, which ends in a newline. */
  private lines(text: string, onData: SseDataSink): void {
    const n = text.length;
    let start = 0;
    while (start < n) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) return;
      const end = nl > start && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      if (start === end) {
        // A blank line: the event is complete.
        if (this.data !== null) this.dispatch(onData);
      } else if (end - start >= 5 && isDataField(text, start)) {
        // "data:" then one optional space.
        const v = start + 5 < end && text.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5;
        if (this.data === null) {
          // The usual event: this one data line, then at once the blank line (\n or \r\n).
          const next = text.charCodeAt(nl + 1);
          const blank = next === NL ? nl + 2 : next === CR && text.charCodeAt(nl + 2) === NL ? nl + 3 : -1;
          if (blank > 0) {
            onData(text, v, end);
            start = blank;
            continue;
          }
        }
        const value = text.slice(v, end);
        this.data = this.data === null ? value : `${this.data}\n${value}`;
      }
      // Comments (":") and other fields are ignored.
      start = nl + 1;
    }
  }

  private dispatch(onData: SseDataSink): void {
    const d = this.data!;
    this.data = null;
    onData(d, 0, d.length);
  }
}

/** Convenience for tests and one-shot parsing: all data payloads of a complete stream. */
export function parseSse(chunks: Iterable<string | Uint8Array>): string[] {
  const out: string[] = [];
  const p = new SseParser();
  const push = (text: string, start: number, end: number) => {
    out.push(text.slice(start, end));
  };
  for (const c of chunks) p.push(c, push);
  p.end(push);
  return out;
}
