import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LocalExecutor } from '../executors/local';
import { syncLogsOnce } from './relay-logs';

describe('syncLogsOnce', () => {
  it('copies job output incrementally; repeated and restarted passes neither duplicate nor drop bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aifb-relay-'));
    const executor = new LocalExecutor({ root: join(dir, 'jobs') });
    const logs = join(dir, 'logs');
    const job = await executor.submit({
      name: 'b-service',
      benchmarkId: 'b',
      // Writes while we copy: 40 numbered lines on stdout, a few on stderr.
      script:
        'for i in $(seq 1 40); do echo "line $i"; [ $((i % 10)) = 0 ] && echo "warn $i" >&2; sleep 0.01; done',
    });
    let passes = 0;
    for (;;) {
      const { state } = await executor.status(job);
      await syncLogsOnce(executor, await executor.listJobs('b'), 'b', logs);
      passes++;
      if (state === 'COMPLETED') break;
      await sleep(30);
    }
    // A "restarted relay" (fresh call, same destination) after the end adds nothing.
    expect(await syncLogsOnce(executor, await executor.listJobs('b'), 'b', logs)).toBe(0);
    expect(passes).toBeGreaterThan(2);
    const jobDir = join(dir, 'jobs', 'b', 'b-service');
    expect(readFileSync(join(logs, 'service.log'), 'utf8')).toBe(
      readFileSync(join(jobDir, 'stdout-0.log'), 'utf8'),
    );
    expect(readFileSync(join(logs, 'service.err.log'), 'utf8')).toBe('warn 10\nwarn 20\nwarn 30\nwarn 40\n');
    const lines = readFileSync(join(logs, 'service.log'), 'utf8').trimEnd().split('\n');
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i + 1}`));
  });
});
