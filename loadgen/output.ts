/** Files the worker reads while (progress) and after (result) a client runs. */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ProgressSnapshot } from '../core/loadgen-protocol';
import { writeFileAtomicSync } from '../core/node/files';

/**
 * Append-only JSON lines. Each snapshot goes out in ONE write(2) on an O_APPEND descriptor, line
 * and newline together, so a reader polling the file by offset never sees half a line unless it
 * reads during that single write (it then waits for the trailing newline).
 */
export class ProgressLog {
  private fd: number | null;

  constructor(
    path: string,
    /** Told of every snapshot written (the direct push to Pushgateway, when configured). */
    private readonly onAppend?: (snapshot: ProgressSnapshot) => void,
  ) {
    this.fd = openSync(path, 'a');
  }

  append(snapshot: ProgressSnapshot): void {
    if (this.fd === null) return;
    writeSync(this.fd, `${JSON.stringify(snapshot)}\n`);
    this.onAppend?.(snapshot);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** The result file is either absent or complete. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomicSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
