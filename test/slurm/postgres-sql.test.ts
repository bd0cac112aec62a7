/**
 * The sql workload on the real Slurm cluster: PostgreSQL as the service job (its password read
 * back over SFTP), the clients as an array job reaching it over TCP, runtime sea (the loadgen
 * executable carries node-postgres).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import { type DevEnv, inProcessWorker, startDevEnv, testConfig } from '../integration/harness';
import { knownJobNames, queuedNames, slurmRecipe } from './cluster';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

describe('sql workload through sshd and a real Slurm cluster', () => {
  it('loads the table, runs the mix with zero errors and reports every class with its percentiles', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = `bench-slurm-sql-${process.pid}`;
    const base = slurmRecipe('slurm-sql');
    const recipe = {
      ...base,
      service: {
        kind: 'postgres',
        settings: { fsync: 'off' },
        resources: { time: '00:15:00' },
        health: { timeout: '90s', interval: '500ms' },
      },
      workload: {
        kind: 'sql',
        sql: { rows: 3000, rangeSize: 10, mix: { 'point-select': 60, range: 10, insert: 15, update: 15 } },
        clients: { count: 2, resources: { time: '00:15:00' } },
        stages: [
          { name: 'c4', mode: 'concurrency', concurrency: 4, duration: '4s', warmup: '1s', cooldown: '5s' },
        ],
        validity: { maxScheduleLagP99: '1s' },
      },
    };
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [recipe],
    });
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;
    expect(summary.status).toBe('completed');
    expect(summary.executor).toBe('slurm');
    expect(summary.service?.identity?.version).toMatch(/^\d+\.\d+/);
    const stage = summary.stages[0]!;
    expect(stage.clientsReported).toBe(2);
    expect(stage.requests.failed).toBe(0);
    expect(stage.requests.ok).toBeGreaterThan(20);
    const classes = stage.workload?.classes ?? {};
    expect(Object.keys(classes).sort()).toEqual(['insert', 'point-select', 'range', 'update']);
    for (const [name, c] of Object.entries(classes)) {
      expect(c.failed, name).toBe(0);
      expect(c.ok, name).toBeGreaterThan(0);
      expect(c.latencyMs!.p99, name).toBeGreaterThanOrEqual(c.latencyMs!.p50);
    }
    expect(stage.workload?.phases.load).toMatchObject({ items: 3000, failed: 0 });
    expect(knownJobNames(id)).toEqual([`${id}-clients`, `${id}-service`]);
    expect(queuedNames(id)).toEqual([]);
  });
});
