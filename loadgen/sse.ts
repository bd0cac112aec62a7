/**
 * Incremental Server-Sent Events parser, reduced to what OpenAI-style streams need: it yields the
 * `data` of each event and ignores `event:`, `id:`, `retry:` and `:` comments.
 *
 * Chunks may split lines (and UTF-8 sequences) anywhere. Lines end in `\n` or `\r\n`; a lone `\r`
 * line ending (allowed by the SSE spec, used by no inference server) is not supported.
 *
 * It works on bytes because it runs for every chunk of every request: it scans for the newline
 * byte with indexOf and decodes only the value of each `data:` line. Cutting at `\n` bytes is safe
 * for UTF-8 (a multi-byte sequence never contains 0x0A), so no streaming text decoder is needed;
 * only an unfinished last line is kept between chunks.
 */
const NL = 10;
const CR = 13;
const SPACE = 32;

/** The line starts with "data:" (byte compare; cheaper than decoding the line). */
const isDataField = (b: Buffer, i: number) =>
  b[i] === 100 && b[i + 1] === 97 && b[i + 2] === 116 && b[i + 3] === 97 && b[i + 4] === 58;

export class SseParser {
  /** Bytes of an unfinished line carried over from the previous chunk. */
  private pending: Buffer | null = null;
  /** Data of the event being assembled; null when it has no `data:` line yet. */
  private data: string | null = null;

  /** Feeds one chunk and calls `onData` for every event it completes. */
  push(chunk: Uint8Array | string, onData: (data: string) => void): void {
    let buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, buf]);
      this.pending = null;
    }
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NL, start);
      if (nl < 0) break;
      this.line(buf, start, nl > start && buf[nl - 1] === CR ? nl - 1 : nl, onData);
      start = nl + 1;
    }
    // Copy the tail: the chunk's memory may be reused by the caller after we return.
    if (start < buf.length) this.pending = Buffer.from(buf.subarray(start));
  }

  /**
   * End of stream. Lenient on purpose: a final event without its blank line (or even without its
   * last newline) is still delivered; a truncated JSON payload then fails to parse downstream.
   */
  end(onData: (data: string) => void): void {
    const rest = this.pending;
    this.pending = null;
    if (rest !== null)
      this.line(rest, 0, rest[rest.length - 1] === CR ? rest.length - 1 : rest.length, onData);
    if (this.data !== null) this.dispatch(onData);
  }

  private line(buf: Buffer, start: number, end: number, onData: (data: string) => void): void {
    if (start === end) {
      if (this.data !== null) this.dispatch(onData);
      return;
    }
    if (end - start >= 5 && isDataField(buf, start)) {
      // "data:" then one optional space.
      const v = start + 5 < end && buf[start + 5] === SPACE ? start + 6 : start + 5;
      const value = buf.toString('utf8', v, end);
      this.data = this.data === null ? value : `${this.data}\n${value}`;
    }
    // Comments (":") and other fields are ignored.
  }

  private dispatch(onData: (data: string) => void): void {
    const d = this.data!;
    this.data = null;
    onData(d);
  }
}

/** Convenience for tests and one-shot parsing: all data payloads of a complete stream. */
export function parseSse(chunks: Iterable<string | Uint8Array>): string[] {
  const out: string[] = [];
  const p = new SseParser();
  const push = (d: string) => out.push(d);
  for (const c of chunks) p.push(c, push);
  p.end(push);
  return out;
}
