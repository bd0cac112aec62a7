// target.slurm.clients on the real cluster: the service on `debug`, the clients' array job on the
// second partition (`cpu`, same node), as Slurm itself records them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import { jobNames } from '../../core/jobs';
import type { BenchmarkSummary } from '../../core/summary';
import { type DevEnv, inProcessWorker, startDevEnv, testConfig } from '../integration/harness';
import { cluster, jobPlacements, queuedNames, slurmRecipe } from './cluster';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

describe('client jobs on their own partition', () => {
  it('runs the service in the first partition and the clients in the second; no request fails', async () => {
    const { partition, cpuPartition } = cluster();
    expect(cpuPartition).not.toBe(partition);
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = `bench-slurm-placement-${process.pid}`;
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [slurmRecipe('slurm-placement', { slurm: { clients: { partition: cpuPartition } } })],
    });
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;
    expect(summary.status).toBe('completed');
    const stage = summary.stages[0]!;
    expect(stage.clientsReported).toBe(3);
    expect(stage.requests.failed).toBe(0);
    expect(stage.requests.ok).toBeGreaterThan(20);
    // scontrol keeps ended jobs for MinJobAge (5 min): no accounting needed.
    const jobs = jobPlacements(id);
    expect(jobs[`${id}-service`]?.map((j) => j.partition)).toEqual([partition]);
    const clients = jobs[jobNames.clients(id)] ?? [];
    expect(clients).toHaveLength(3);
    for (const task of clients) expect(task).toEqual({ partition: cpuPartition, state: 'COMPLETED' });
    expect(queuedNames(id)).toEqual([]);
  });
});
