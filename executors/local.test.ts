import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LocalExecutor } from './local';
import type { Executor, JobRef, JobState } from './types';

const root = () => mkdtempSync(join(tmpdir(), 'aifb-local-'));

async function waitFor(executor: Executor, job: JobRef, states: JobState[], timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await executor.status(job);
    if (states.includes(status.state)) return status;
    if (Date.now() > deadline) throw new Error(`job ${job.name} still ${status.state}`);
    await sleep(50);
  }
}

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('local executor', () => {
  it('writes a file into a running job atomically; the job sees it whole; a rewrite replaces it', async () => {
    const dir = root();
    const ex = new LocalExecutor({ root: dir, killGraceMs: 500 });
    const job = await ex.submit({
      name: 'b0-job',
      benchmarkId: 'b0',
      script: 'while [ ! -e go.json ]; do sleep 0.05; done; cat go.json',
    });
    const text = JSON.stringify({ startAtMs: 1, clients: [0] });
    await ex.writeFile(job, 'go.json', text);
    await ex.writeFile(job, 'go.json', text);
    await waitFor(ex, job, ['COMPLETED']);
    expect((await ex.readFile(job, 'stdout-0.log')).data.toString()).toBe(text);
    await expect(ex.writeFile(job, '../escape', 'x')).rejects.toThrow(/bad file name/);
  });

  it('runs a job, keeps its output and exit status after it ends', async () => {
    const dir = root();
    const ex = new LocalExecutor({ root: dir });
    const job = await ex.submit({
      name: 'b1-job',
      benchmarkId: 'b1',
      script: 'echo hello; echo oops >&2; cat input.txt',
      files: { 'input.txt': 'from-file\n' },
    });
    const status = await waitFor(ex, job, ['COMPLETED', 'FAILED']);
    expect(status).toMatchObject({
      state: 'COMPLETED',
      tasks: [{ index: 0, state: 'COMPLETED', exitCode: 0 }],
    });
    const first = await ex.readFile(job, 'stdout-0.log', 0, 4);
    expect(first.data.toString()).toBe('hell');
    const rest = await ex.readFile(job, 'stdout-0.log', first.nextOffset);
    expect(rest.data.toString()).toBe('o\nfrom-file\n');
    expect((await ex.readFile(job, 'stderr-0.log')).data.toString()).toBe('oops\n');
    expect((await ex.readFile(job, 'missing.txt', 7)).nextOffset).toBe(7);
    expect(await ex.tail(job, 'stdout-0.log', 5)).toBe('file\n');
    expect(await ex.tail(job, 'missing.txt', 5)).toBe('');
    // A new executor instance (a restarted worker) sees the same outcome.
    expect(
      (
        await new LocalExecutor({
          root: (ex as unknown as { options: { root: string } }).options.root,
        }).status(job)
      ).state,
    ).toBe('COMPLETED');
  });

  it('reports a failing job with its exit code', async () => {
    const ex = new LocalExecutor({ root: root() });
    const job = await ex.submit({ name: 'b2-job', benchmarkId: 'b2', script: 'exit 3' });
    const status = await waitFor(ex, job, ['COMPLETED', 'FAILED']);
    expect(status.state).toBe('FAILED');
    expect(status.tasks[0]?.exitCode).toBe(3);
    expect(status.reason).toMatch(/status 3/);
  });

  it('submits idempotently: the same name twice starts the job once', async () => {
    const dir = root();
    const ex = new LocalExecutor({ root: dir });
    const spec = { name: 'b3-svc', benchmarkId: 'b3', script: `echo started >> ${dir}/starts; sleep 30` };
    const [a, b] = await Promise.all([ex.submit(spec), ex.submit(spec)]);
    const c = await new LocalExecutor({ root: dir }).submit(spec);
    expect(a.id).toBe(b.id);
    expect(c.id).toBe(a.id);
    await waitFor(ex, a, ['RUNNING']);
    await sleep(300);
    expect(readFileSync(join(dir, 'starts'), 'utf8')).toBe('started\n');
    await ex.cancelAll('b3');
  });

  it('runs job arrays with one index per task', async () => {
    const ex = new LocalExecutor({ root: root() });
    const job = await ex.submit({
      name: 'b4-arr',
      benchmarkId: 'b4',
      script: 'echo "task $AIFB_TASK_INDEX"',
      tasks: 3,
    });
    const status = await waitFor(ex, job, ['COMPLETED']);
    expect(status.tasks.map((t) => t.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    for (const i of [0, 1, 2])
      expect((await ex.readFile(job, `stdout-${i}.log`)).data.toString()).toBe(`task ${i}\n`);
  });

  it('cancel kills the whole process group, grandchildren included, and the state says so', async () => {
    const dir = root();
    const ex = new LocalExecutor({ root: dir, killGraceMs: 2000 });
    // The grandchild ignores SIGTERM, so the executor must escalate to SIGKILL.
    const job = await ex.submit({
      name: 'b5-svc',
      benchmarkId: 'b5',
      script: `bash -c 'trap "" TERM; echo $$ > grandchild.pid; sleep 600' & wait`,
    });
    await waitFor(ex, job, ['RUNNING']);
    let grandchild = 0;
    for (let i = 0; i < 100 && !grandchild; i++) {
      grandchild = Number.parseInt((await ex.readFile(job, 'grandchild.pid')).data.toString(), 10) || 0;
      await sleep(20);
    }
    expect(pidAlive(grandchild)).toBe(true);
    expect(await ex.cancelAll('b5')).toEqual(['b5-svc']);
    expect(pidAlive(grandchild)).toBe(false);
    expect((await ex.status(job)).state).toBe('CANCELLED');
    expect(await ex.cancelAll('b5')).toEqual([]);
    expect((await ex.listJobs('b5')).map((j) => j.name)).toEqual(['b5-svc']);
  });

  it('refuses unsafe names and file names', async () => {
    const ex = new LocalExecutor({ root: root() });
    await expect(ex.submit({ name: '../x', benchmarkId: 'b6', script: 'true' })).rejects.toThrow(/unsafe/);
    const job = await ex.submit({ name: 'b6-ok', benchmarkId: 'b6', script: 'true' });
    await expect(ex.readFile(job, '../../etc/passwd')).rejects.toThrow(/bad file name/);
  });
});
