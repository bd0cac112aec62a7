import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { SlurmExecutor } from '../../executors/slurm';
import { SshConnection } from '../../executors/ssh';
import type { Executor, JobRef, JobStatus } from '../../executors/types';
import { renderServiceScript } from '../../slurm-scripts/render';
import { cluster, knownJobNames, queuedNames } from './cluster';

const c = cluster();
const ssh = new SshConnection({
  host: c.host,
  port: c.port,
  user: c.user,
  identityFile: c.identityFile,
  knownHosts: c.knownHosts,
});
afterAll(() => ssh.close());

const executor = (maxPendingMs: number) =>
  new SlurmExecutor(ssh, {
    workdir: c.workdir,
    modules: [],
    node: process.execPath,
    maxPendingMs,
    partition: c.partition,
  });

describe('the Slurm executor on the real cluster', () => {
  it("cancels a job pending longer than maxPending, with Slurm's pending reason", async () => {
    const ex = executor(2000);
    const benchmarkId = `bench-pending-${process.pid}`;
    // A DOWN partition accepts jobs but schedules none: the job stays pending, deterministically.
    execFileSync('scontrol', ['update', `PartitionName=${c.partition}`, 'State=DOWN']);
    try {
      const job = await ex.submit({
        name: `${benchmarkId}-service`,
        benchmarkId,
        script: '#!/bin/bash\nsleep 60',
      });
      let status = await ex.status(job);
      for (let i = 0; i < 40 && status.state === 'PENDING'; i++) {
        await sleep(250);
        status = await ex.status(job);
      }
      expect(status.state).toBe('FAILED');
      expect(status.reason).toMatch(/pending for more than 2s \(Slurm reason: PartitionDown\); cancelled/);
      expect(queuedNames(benchmarkId)).toEqual([]);
    } finally {
      execFileSync('scontrol', ['update', `PartitionName=${c.partition}`, 'State=UP']);
    }
  });

  it('says so when Slurm has forgotten a job and accounting is off', async () => {
    const status = await executor(60_000).status({
      id: '987654',
      name: 'bench-gone-x',
      benchmarkId: 'bench-gone',
      tasks: 1,
    });
    expect(status.state).toBe('UNKNOWN');
    expect(status.reason).toMatch(
      /no longer knows job 987654 and sacct cannot tell \(.*accounting storage is disabled/,
    );
  });
});

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(ex: Executor, job: JobRef, done: (s: JobStatus) => boolean): Promise<JobStatus> {
  for (let i = 0; i < 600; i++) {
    const status = await ex.status(job);
    if (done(status)) return status;
    await sleep(200);
  }
  throw new Error(`job ${job.name} never got there`);
}

const fileIn = (job: JobRef, name: string) => {
  try {
    return readFileSync(join(c.workdir, job.benchmarkId, job.name, name), 'utf8');
  } catch {
    return '';
  }
};

describe('the Slurm executor after a crash or a cancel', () => {
  it('adopts a job whose submit died between sbatch and job.json, even after it ended', async () => {
    const ex = executor(60_000);
    const benchmarkId = `bench-resubmit-${process.pid}`;
    const spec = { name: `${benchmarkId}-clients`, benchmarkId, script: '#!/bin/bash\necho run >> runs' };
    const job = await ex.submit(spec);
    await until(ex, job, (s) => s.state === 'COMPLETED');
    // What the crash leaves: the job ran, its id was never recorded.
    rmSync(join(c.workdir, benchmarkId, job.name, 'job.json'));
    const again = await ex.submit(spec);
    expect(again.id).toBe(job.id);
    expect(knownJobNames(benchmarkId)).toEqual([job.name]);
    expect(fileIn(job, 'runs')).toBe('run\n');
    // Beyond MinJobAge only this marker (or accounting) remembers the job.
    expect(fileIn(job, 'slurm-job-id')).toBe(`${job.id}\n`);
  });

  it('scancel: a service sees exactly one SIGTERM and is killed after KillWait if it ignores it', async () => {
    const ex = executor(60_000);
    const benchmarkId = `bench-term-${process.pid}`;
    const name = `${benchmarkId}-service`;
    // Counts its TERMs into terms-<task>, ignoring them; only SIGKILL ends it.
    const counter = `
      const fs = require('node:fs');
      const task = process.env.SLURM_ARRAY_TASK_ID;
      let terms = 0;
      process.on('SIGTERM', () => fs.writeFileSync('terms-' + task, String(++terms)));
      fs.writeFileSync('ready-' + task, String(process.pid));
      setInterval(() => {}, 1000);
    `;
    const script = renderServiceScript({
      jobName: name,
      env: {},
      argv: [process.execPath, '-e', counter],
      announce: 'self',
    });
    const job = await ex.submit({ name, benchmarkId, script, tasks: 2 });
    for (let i = 0; i < 600 && !(fileIn(job, 'ready-0') && fileIn(job, 'ready-1')); i++) await sleep(200);
    expect([fileIn(job, 'ready-0') !== '', fileIn(job, 'ready-1') !== '']).toEqual([true, true]);
    await ex.cancel(job);
    expect([fileIn(job, 'terms-0'), fileIn(job, 'terms-1')]).toEqual(['1', '1']);
    for (const task of ['0', '1']) {
      const pid = Number(fileIn(job, `ready-${task}`));
      expect(pidAlive(pid), `service pid ${pid}`).toBe(false);
    }
    expect(queuedNames(benchmarkId)).toEqual([]);
  });
});
