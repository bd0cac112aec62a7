// A worker that dies during a submit must not fail the run: the retry starts what had not
// started, adopts what had, and never runs a task twice. Real processes throughout.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/node/config';
import { LocalExecutor, type SubmitStep } from './local';
import type { JobRef, JobSpec, JobStatus } from './types';

const root = () => mkdtempSync(join(tmpdir(), 'aifb-submit-'));

// Each run of a task leaves one line: the count says how often it really ran.
const spec = (benchmarkId: string, tasks = 1): JobSpec => ({
  name: `${benchmarkId}-service`,
  benchmarkId,
  script: 'echo run >> "runs-$AIFB_TASK_INDEX"',
  files: { 'config.json': '{}' },
  tasks,
});

async function finished(ex: LocalExecutor, job: JobRef): Promise<JobStatus> {
  for (let i = 0; i < 500; i++) {
    const status = await ex.status(job);
    if (status.state !== 'RUNNING' && status.state !== 'PENDING') return status;
    await sleep(20);
  }
  throw new Error(`job ${job.name} never finished`);
}

async function runs(ex: LocalExecutor, job: JobRef): Promise<string[]> {
  const out: string[] = [];
  for (let task = 0; task < job.tasks; task++)
    out.push((await ex.readFile(job, `runs-${task}`)).data.toString());
  return out;
}

class Crash extends Error {}

describe('local executor: a submit interrupted at any step', () => {
  for (const step of ['staged', 'published', 'spawned'] as SubmitStep[]) {
    it(`after "${step}": the retry runs every task exactly once`, async () => {
      const dir = root();
      const dying = new LocalExecutor({
        root: dir,
        onSubmitStep: (at) => {
          if (at === step) throw new Crash(at);
        },
      });
      await expect(dying.submit(spec('b1', 3))).rejects.toBeInstanceOf(Crash);
      // A new worker (a new executor on the same folder) retries the activity.
      const ex = new LocalExecutor({ root: dir });
      const job = await ex.submit(spec('b1', 3));
      const status = await finished(ex, job);
      expect(status, status.reason).toMatchObject({ state: 'COMPLETED' });
      expect(await runs(ex, job)).toEqual(['run\n', 'run\n', 'run\n']);
      // A further retry adopts the finished job: nothing runs again.
      await ex.submit(spec('b1', 3));
      expect(await runs(ex, job)).toEqual(['run\n', 'run\n', 'run\n']);
    });
  }

  it('concurrent retries start each task once', async () => {
    const dir = root();
    const dying = new LocalExecutor({
      root: dir,
      onSubmitStep: (at) => {
        if (at === 'published') throw new Crash(at);
      },
    });
    await expect(dying.submit(spec('b2', 2))).rejects.toBeInstanceOf(Crash);
    const [a, b] = [new LocalExecutor({ root: dir }), new LocalExecutor({ root: dir })];
    const [job] = await Promise.all([a.submit(spec('b2', 2)), b.submit(spec('b2', 2))]);
    expect((await finished(a, job)).state).toBe('COMPLETED');
    expect(await runs(a, job)).toEqual(['run\n', 'run\n']);
  });

  it('a worker process killed the moment the job folder appears: the retry runs the job once', async () => {
    const dir = root();
    // The submit as a worker runs it, in a process of its own; a big upload widens the window.
    const code = `
      const { LocalExecutor } = await import(${JSON.stringify(join(repoRoot, 'executors', 'local.ts'))});
      const spec = JSON.parse(process.env.SPEC);
      await new LocalExecutor({ root: process.env.ROOT }).submit(spec);
    `;
    const withUpload = { ...spec('b3'), uploads: { 'big.bin': process.execPath } };
    const worker = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: repoRoot,
      env: { ...process.env, ROOT: dir, SPEC: JSON.stringify(withUpload) },
      stdio: 'ignore',
    });
    const folder = join(dir, 'b3', 'b3-service');
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    while (!existsSync(folder) && !gone) await new Promise((resolve) => setImmediate(resolve));
    worker.kill('SIGKILL');
    await exited;
    expect(existsSync(folder)).toBe(true);
    const ex = new LocalExecutor({ root: dir });
    const job = await ex.submit(withUpload);
    const status = await finished(ex, job);
    expect(status, status.reason).toMatchObject({ state: 'COMPLETED' });
    expect(await runs(ex, job)).toEqual(['run\n']);
  });
});
