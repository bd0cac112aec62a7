/** Writing files so that readers never see them half-written. */
import { renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

/** A temporary name beside `path`, unique per process and call (concurrent writers never share one). */
let counter = 0;
function tempName(path: string): string {
  return `${path}.${process.pid}-${++counter}.tmp`;
}

/** Writes to a temporary name, then renames: the file is either absent, the old one or complete. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempName(path);
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** The same, synchronously (the load generator writes its result while it exits). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = tempName(path);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
