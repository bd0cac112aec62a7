/**
 * Uploads a worker file into a job folder on the cluster. Large files (the ~100 MB single
 * executables) go up once per content into <workdir>/.uploads/ and are hard-linked into each
 * job folder (copied where links cannot go), so a benchmark's every stage does not resend them.
 * Small files are written directly. The file's mode travels with it: executables stay executable.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { shellQuote } from '../core/shell';
import type { SshConnection } from './ssh';

/** Files from this size up are cached on the cluster; the bundles (a few MB) are not. */
export const CACHE_MIN_BYTES = 16 << 20;

/** The cache's folder below the executor's root; safe to delete at any time. */
export const UPLOAD_CACHE = '.uploads';

export async function uploadFile(
  ssh: Pick<SshConnection, 'writeFile' | 'size'>,
  check: (command: string, what: string) => Promise<string>,
  root: string,
  source: string,
  target: string,
): Promise<void> {
  const data = await readFile(source);
  const mode = (await stat(source)).mode & 0o777;
  if (data.length < CACHE_MIN_BYTES) return ssh.writeFile(target, data, mode);
  const hash = createHash('sha256').update(data).digest('hex').slice(0, 32);
  const cached = `${root}/${UPLOAD_CACHE}/${hash}-${basename(target)}`;
  // Same size under a content-hash name: a complete earlier upload (they land by rename).
  if ((await ssh.size(cached)) !== data.length) {
    await check(`mkdir -p ${shellQuote(`${root}/${UPLOAD_CACHE}`)}`, 'creating the upload cache');
    const tmp = `${cached}.${process.pid}.${Date.now()}.tmp`;
    await ssh.writeFile(tmp, data, mode);
    await check(`mv -f ${shellQuote(tmp)} ${shellQuote(cached)}`, 'caching an upload');
  }
  const [from, to] = [shellQuote(cached), shellQuote(target)];
  await check(`ln -f ${from} ${to} 2>/dev/null || cp ${from} ${to}`, `placing ${basename(target)}`);
}
