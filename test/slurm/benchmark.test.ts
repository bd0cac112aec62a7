import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import {
  type DevEnv,
  failureOf,
  inProcessWorker,
  startDevEnv,
  testConfig,
  waitForPhase,
  workerProcess,
} from '../integration/harness';
import { cluster, knownJobNames, queuedNames, slurmRecipe, sshdSessionPids } from './cluster';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

let counter = 0;
const newId = (name: string) => `bench-${name}-${process.pid}-${++counter}`;

describe('benchmarks through sshd and a real Slurm cluster', () => {
  it('runs a whole benchmark: service job, 3 client array tasks, results and logs; nothing left queued', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = newId('slurm-ok');
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [slurmRecipe('slurm-ok')],
    });
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;
    expect(summary.status).toBe('completed');
    expect(summary.executor).toBe('slurm');
    const stage = summary.stages[0]!;
    expect(stage.clientsReported).toBe(3);
    expect(stage.requests.failed).toBe(0);
    expect(stage.requests.ok).toBeGreaterThan(20);
    expect(Math.abs(stage.latencyMs.ttft!.p50 - 50)).toBeLessThan(5);
    const logs = join(config.dataDir, 'logs', id);
    expect(readFileSync(join(logs, 'service.log'), 'utf8')).toContain('aifb simulator listening');
    for (const i of [0, 1, 2]) expect(existsSync(join(logs, `clients-${i}.log`))).toBe(true);
    expect(knownJobNames(id)).toEqual([`${id}-clients`, `${id}-service`]);
    expect(queuedNames(id)).toEqual([]);

    // The environment from inside the jobs: Slurm's own ids, partition and node for each task.
    const c = cluster();
    const [service, clients] = summary.environment!.jobs;
    expect(service).toMatchObject({ role: 'service', executor: 'slurm', name: `${id}-service` });
    expect(service!.id).toMatch(/^\d+$/);
    expect(service!.tasks[0]).toMatchObject({
      hostname: c.node,
      slurm: {
        jobId: service!.id,
        arrayJobId: null,
        partition: c.partition,
        nodeList: c.node,
        cluster: 'aifb',
      },
      gpus: { absent: `nvidia-smi not found on ${c.node}` },
    });
    expect(clients).toMatchObject({ role: 'clients', name: `${id}-clients` });
    expect(clients!.tasks.map((t) => [t.task, t.slurm?.arrayJobId, t.slurm?.arrayTaskId])).toEqual([
      [0, clients!.id, '0'],
      [1, clients!.id, '1'],
      [2, clients!.id, '2'],
    ]);
    expect(summary.environment!.nodes).toEqual([c.node]);
  });

  it('cancelled during load: the workflow ends cancelled and squeue shows no job of it', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = newId('slurm-cancel');
    const err = await worker.runUntil(async () => {
      const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: config.taskQueue,
        workflowId: id,
        args: [slurmRecipe('slurm-cancel', { stage: { duration: '10m' } })],
      });
      await waitForPhase(handle, 'loading');
      // `loading` comes before the clients' sbatch (uploads, then submit): wait for both jobs.
      for (let i = 0; i < 300 && queuedNames(id).length < 2; i++) await sleep(200);
      expect(queuedNames(id).length).toBeGreaterThanOrEqual(2);
      await handle.cancel();
      return failureOf(handle.result());
    });
    expect(err.cause).toBeInstanceOf(CancelledFailure);
    expect(queuedNames(id)).toEqual([]);
  });

  it('a service job that exits at start fails the run with its stderr, nothing left in the queue', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = newId('slurm-crash');
    const recipe = slurmRecipe('slurm-crash', {
      service: {
        kind: 'command',
        command: ['bash', '-c', 'echo "CUDA error: no device found" >&2; exit 4'],
        port: 8000,
        health: { timeout: '60s', interval: '300ms' },
      },
    });
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [recipe],
    });
    const err = await failureOf(worker.runUntil(handle.result()));
    const cause = err.cause as ApplicationFailure;
    expect(cause.type).toBe('ServiceFailed');
    expect(cause.message).toContain('CUDA error: no device found');
    expect(cause.message).toMatch(/exit status 4/);
    expect(queuedNames(id)).toEqual([]);
  });

  it('survives kill -9 of the worker while clients run: one service job and one client array, ever', async () => {
    const config = testConfig();
    const id = newId('slurm-kill');
    const first = workerProcess(dev, config);
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [slurmRecipe('slurm-kill', { stage: { duration: '12s' } })],
    });
    await waitForPhase(handle, 'loading');
    await sleep(2000);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    await sleep(3000);
    const second = workerProcess(dev, config);
    try {
      const summary = (await handle.result()) as BenchmarkSummary;
      expect(summary.status).toBe('completed');
      expect(summary.stages[0]!.clientsReported).toBe(3);
      expect(knownJobNames(id)).toEqual([`${id}-clients`, `${id}-service`]);
      expect(queuedNames(id)).toEqual([]);
    } finally {
      second.kill('SIGTERM');
    }
  });

  it('recovers when the sshd process serving its connection is killed mid-run', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = newId('slurm-ssh');
    const summary = (await worker.runUntil(async () => {
      const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: config.taskQueue,
        workflowId: id,
        args: [slurmRecipe('slurm-ssh', { stage: { duration: '10s' } })],
      });
      await waitForPhase(handle, 'loading');
      await sleep(2000);
      const sessions = sshdSessionPids(cluster().stateDir);
      expect(sessions.length).toBeGreaterThan(0);
      for (const pid of sessions) process.kill(pid, 'SIGKILL');
      return handle.result();
    })) as BenchmarkSummary;
    expect(summary.status).toBe('completed');
    expect(summary.stages[0]!.clientsReported).toBe(3);
    expect(queuedNames(id)).toEqual([]);
  });

  it('refuses an unknown host key with a readable error and runs nothing', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = newId('slurm-hostkey');
    const knownHosts = join(config.dataDir, 'known_hosts');
    writeFileSync(knownHosts, '# a login node we have never seen\n');
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [slurmRecipe('slurm-hostkey', { knownHosts })],
    });
    const err = await failureOf(worker.runUntil(handle.result()));
    const cause = err.cause as ApplicationFailure;
    expect(cause.type).toBe('HostKeyRejected');
    expect(cause.message).toMatch(/\[127\.0\.0\.1\]:\d+ is not in .*known_hosts: refusing to connect/);
    // Teardown cannot reach the cluster either, and the failure says so instead of hiding it.
    expect(cause.message).toMatch(/teardown could not run: .*refusing to connect/);
    expect(existsSync(join(cluster().workdir, id))).toBe(false);
    expect(knownJobNames(id)).toEqual([]);
  });
});
