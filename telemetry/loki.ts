/**
 * Ships log files to Loki's push API (`POST /loki/api/v1/push`, JSON): the worker's relay (from
 * its copies in data/logs/<id>/) and the optional in-job shipper (loadgen/log-ship.ts, from the
 * job's own stdout/stderr). The files are the source of truth: a cursor remembers how many
 * bytes of each were accepted, so an outage or a restart loses no line (it is sent later);
 * only whole lines are sent. Before each push the batch is recorded as pending (range and
 * first timestamp): whoever finds it after a crash resends it with the same timestamps, and
 * Loki drops an entry identical in stream, timestamp and line, so a batch that did arrive is not
 * stored twice. Labels are few and bounded: benchmark, component, stream, job_id.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { componentName, type JobRef } from '../core/jobs';
import type { PendingBatch } from '../core/loadgen-protocol';
import { writeFileAtomic } from '../core/node/files';

export interface LokiStream {
  stream: Record<string, string>;
  /** [unix epoch in nanoseconds as a string, line] */
  values: [string, string][];
}

export type LogStream = 'stdout' | 'stderr';

/** The labels of one task's stream: the relay and the in-job shipper push the same stream. */
export function logLabels(
  benchmarkId: string,
  job: Pick<JobRef, 'id' | 'name' | 'tasks'>,
  task: number,
  stream: LogStream,
): Record<string, string> {
  const component = componentName(benchmarkId, job.name, task, job.tasks);
  return { benchmark: benchmarkId, component, stream, job_id: job.id };
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

export type { PendingBatch };

/** What a cursor store holds: bytes accepted per file key, and the batch in flight if any. */
export interface ShipState {
  offsets: Record<string, number>;
  pending?: PendingBatch;
}

export interface CursorStore {
  read(): Promise<ShipState>;
  write(state: ShipState): Promise<void>;
}

/** The relay's cursor file: a JSON object of offsets by path, plus the pending batch. */
export function jsonCursorStore(file: string): CursorStore {
  return {
    read: () =>
      readFile(file, 'utf8').then(
        (t) => {
          const { pending, ...offsets } = JSON.parse(t) as Record<string, unknown>;
          return {
            offsets: offsets as Record<string, number>,
            ...(pending ? { pending: pending as PendingBatch } : {}),
          };
        },
        () => ({ offsets: {} }),
      ),
    write: (state) => writeFileAtomic(file, JSON.stringify({ ...state.offsets, pending: state.pending })),
  };
}

export interface LogFile {
  path: string;
  labels: Record<string, string>;
  /** The cursor's key for this file (default: its path). */
  key?: string;
  /** Bytes before this were shipped by someone else (the in-job shipper): never sent here. */
  from?: number;
  /**
   * Someone else's batch that may or may not have arrived (the in-job shipper's pending one):
   * resent first, with its own timestamps, when this shipper starts at its `from`.
   */
  replay?: PendingBatch;
}

const MAX_BATCH_BYTES = 512 * 1024;

async function readRange(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const linesOf = (chunk: Buffer) => chunk.toString('utf8').replace(/\n$/, '').split('\n');

export interface LokiShipperOptions {
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
}

export class LokiShipper {
  private lastNs = 0n;
  private readonly store: CursorStore;

  constructor(
    readonly url: string,
    /** A cursor file path (the relay's) or a store of the caller's (the in-job shipper's). */
    cursor: string | CursorStore,
    private readonly options: LokiShipperOptions = {},
  ) {
    this.store = typeof cursor === 'string' ? jsonCursorStore(cursor) : cursor;
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

  /** Pushes one recorded batch, then moves the cursor past it. */
  private async pushBatch(
    state: ShipState,
    file: LogFile,
    batch: PendingBatch,
    chunk: Buffer,
  ): Promise<number> {
    const lines = linesOf(chunk);
    state.pending = batch;
    await this.store.write(state);
    await this.post(pushBody([{ labels: file.labels, lines }], BigInt(batch.baseNs)));
    state.offsets[batch.key] = batch.to;
    delete state.pending;
    await this.store.write(state);
    return lines.length;
  }

  /**
   * Resends `batch` when the cursor is at its start; null while the file does not hold all of
   * it yet (a copy still catching up): nothing after it may go out before it.
   */
  private async resend(
    state: ShipState,
    file: LogFile,
    key: string,
    batch: PendingBatch,
  ): Promise<number | null> {
    if ((state.offsets[key] ?? 0) !== batch.from || batch.to <= batch.from) return 0;
    const chunk = await readRange(file.path, batch.from, batch.to - batch.from).catch(() => Buffer.alloc(0));
    if (chunk.length !== batch.to - batch.from) return null;
    const end = BigInt(batch.baseNs) + BigInt(linesOf(chunk).length);
    if (end > this.lastNs) this.lastNs = end;
    return this.pushBatch(state, file, { ...batch, key }, chunk);
  }

  /** Sends every whole line not yet accepted; returns the number of lines sent. */
  async ship(files: LogFile[]): Promise<number> {
    const state = await this.store.read();
    let sent = 0;
    for (const file of files) {
      const key = file.key ?? file.path;
      const floor = file.from ?? 0;
      if ((state.offsets[key] ?? 0) < floor) state.offsets[key] = floor;
      // Our own batch cut short by a crash, then someone else's we take over from.
      const own = state.pending?.key === key ? await this.resend(state, file, key, state.pending!) : 0;
      const theirs = own !== null && file.replay ? await this.resend(state, file, key, file.replay) : 0;
      if (own === null || theirs === null) continue;
      sent += own + theirs;
      const size = await stat(file.path).then(
        (s) => s.size,
        () => 0,
      );
      let offset = state.offsets[key] ?? 0;
      while (offset < size) {
        const chunk = await readRange(file.path, offset, Math.min(MAX_BATCH_BYTES, size - offset));
        let end = chunk.lastIndexOf(0x0a) + 1;
        // A single line longer than a batch goes out whole-batch-sized rather than never.
        if (end === 0) end = chunk.length === MAX_BATCH_BYTES ? chunk.length : 0;
        if (end === 0) break; // only a partial line so far
        const lines = linesOf(chunk.subarray(0, end)).length;
        const batch = { key, from: offset, to: offset + end, baseNs: String(this.nowNs(lines)) };
        sent += await this.pushBatch(state, file, batch, chunk.subarray(0, end));
        offset += end;
      }
    }
    return sent;
  }
}

export const lokiCursorFile = (logsDir: string) => join(logsDir, '.loki-cursor.json');
