import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { SlurmExecutor } from '../../executors/slurm';
import { SshConnection } from '../../executors/ssh';
import { cluster, queuedNames } from './cluster';

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
