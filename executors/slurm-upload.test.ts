import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_MIN_BYTES, UPLOAD_CACHE, uploadFile } from './slurm-upload';

/** The login node's filesystem and shell, played by this machine's. */
function fakeCluster() {
  const root = mkdtempSync(join(tmpdir(), 'aifb-upload-'));
  const writes: string[] = [];
  const ssh = {
    async writeFile(path: string, data: string | Buffer, mode?: number) {
      writes.push(path);
      writeFileSync(path, data, { mode: mode ?? 0o644 });
    },
    async size(path: string) {
      try {
        return statSync(path).size;
      } catch {
        return 0;
      }
    },
  };
  const check = async (command: string) => execFileSync('bash', ['-c', command], { encoding: 'utf8' });
  return { root, writes, ssh, check };
}

describe('uploads into Slurm job folders', () => {
  it('writes small files directly, keeping their mode', async () => {
    const { root, writes, ssh, check } = fakeCluster();
    const source = join(root, 'tool.sh');
    writeFileSync(source, 'echo hi');
    chmodSync(source, 0o755);
    await uploadFile(ssh, check, root, source, join(root, 'job-tool.sh'));
    expect(writes).toEqual([join(root, 'job-tool.sh')]);
    expect(statSync(join(root, 'job-tool.sh')).mode & 0o777).toBe(0o755);
  });

  it('sends a large executable once, then hard-links it into every job folder', async () => {
    const { root, writes, ssh, check } = fakeCluster();
    const source = join(root, 'aifb-loadgen');
    writeFileSync(source, 'x');
    truncateSync(source, CACHE_MIN_BYTES);
    chmodSync(source, 0o755);
    for (const job of ['a', 'b']) {
      mkdirSync(join(root, job));
      await uploadFile(ssh, check, root, source, join(root, job, 'aifb-loadgen'));
    }
    expect(writes).toHaveLength(1);
    const cached = readdirSync(join(root, UPLOAD_CACHE));
    expect(cached).toEqual([expect.stringMatching(/^[0-9a-f]{32}-aifb-loadgen$/)]);
    const placed = statSync(join(root, 'b', 'aifb-loadgen'));
    expect(placed.nlink).toBe(3);
    expect(placed.mode & 0o777).toBe(0o755);
  });
});
