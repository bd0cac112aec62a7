/**
 * Ships the log copies in data/logs/<id>/ to Loki's push API (`POST /loki/api/v1/push`, JSON).
 * The files are the source of truth: a cursor file remembers how many bytes of each were
 * accepted by Loki, so an outage or a restart loses no line (it is sent later); only whole
 * lines are sent. Labels are few and bounded: benchmark, component, stream, job_id.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/node/files';

export interface LokiStream {
  stream: Record<string, string>;
  /** [unix epoch in nanoseconds as a string, line] */
  values: [string, string][];
}

/** One stream per label set; timestamps strictly increasing from `baseNs` in line order. */
export function pushBody(streams: { labels: Record<string, string>; lines: string[] }[], baseNs: bigint) {
  let ns = baseNs;
  const body: { streams: LokiStream[] } = { streams: [] };
  for (const { labels, lines } of streams) {
    if (lines.length === 0) continue;
    body.streams.push({ stream: labels, values: lines.map((line) => [String(ns++), line]) });
  }
  return body;
}

export interface LogFile {
  path: string;
  labels: Record<string, string>;
}

const MAX_BATCH_BYTES = 512 * 1024;

export class LokiShipper {
  private lastNs = 0n;

  constructor(
    readonly url: string,
    private readonly cursorFile: string,
    private readonly options: { timeoutMs?: number; retries?: number; backoffMs?: number } = {},
  ) {}

  private async cursors(): Promise<Record<string, number>> {
    return readFile(this.cursorFile, 'utf8').then(
      (t) => JSON.parse(t) as Record<string, number>,
      () => ({}),
    );
  }

  /** Now in ns, never repeating: lines of later batches sort after earlier ones. */
  private nowNs(lines: number): bigint {
    const now = BigInt(Date.now()) * 1_000_000n;
    const base = now > this.lastNs ? now : this.lastNs + 1n;
    this.lastNs = base + BigInt(lines);
    return base;
  }

  private async post(body: unknown): Promise<void> {
    const retries = this.options.retries ?? 3;
    let delay = this.options.backoffMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${this.url.replace(/\/$/, '')}/loki/api/v1/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        if (res.ok) return;
        const text = (await res.text()).slice(0, 300);
        // 4xx other than 429 will not get better by retrying the same batch.
        if (res.status >= 400 && res.status < 500 && res.status !== 429) {
          throw Object.assign(new Error(`Loki refused the push: HTTP ${res.status}: ${text}`), {
            permanent: true,
          });
        }
        throw new Error(`Loki push: HTTP ${res.status}: ${text}`);
      } catch (err) {
        if ((err as { permanent?: boolean }).permanent || attempt >= retries) throw err;
        await new Promise((r) => setTimeout(r, delay));
        delay *= 2;
      }
    }
  }

  /** Sends every whole line not yet accepted; returns the number of lines sent. */
  async ship(files: LogFile[]): Promise<number> {
    const cursors = await this.cursors();
    let sent = 0;
    for (const file of files) {
      const size = await stat(file.path).then(
        (s) => s.size,
        () => 0,
      );
      let offset = cursors[file.path] ?? 0;
      while (offset < size) {
        const handle = await open(file.path, 'r');
        let chunk: Buffer;
        try {
          const buffer = Buffer.alloc(Math.min(MAX_BATCH_BYTES, size - offset));
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
          chunk = buffer.subarray(0, bytesRead);
        } finally {
          await handle.close();
        }
        let end = chunk.lastIndexOf(0x0a) + 1;
        // A single line longer than a batch goes out whole-batch-sized rather than never.
        if (end === 0) end = chunk.length === MAX_BATCH_BYTES ? chunk.length : 0;
        if (end === 0) break; // only a partial line so far
        const lines = chunk.subarray(0, end).toString('utf8').replace(/\n$/, '').split('\n');
        await this.post(pushBody([{ labels: file.labels, lines }], this.nowNs(lines.length)));
        offset += end;
        sent += lines.length;
        cursors[file.path] = offset;
        await writeFileAtomic(this.cursorFile, JSON.stringify(cursors));
      }
    }
    return sent;
  }
}

export const lokiCursorFile = (logsDir: string) => join(logsDir, '.loki-cursor.json');
