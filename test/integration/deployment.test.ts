/**
 * A deployment serving two benchmarks on the dev server with the real worker, local executor
 * and simulator: both run against the one service job, which then goes down cleanly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporalControl } from '../../control/temporal-control';
import { deploymentWorkflowId, WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import {
  type DevEnv,
  inProcessWorker,
  jobProcessesUnder,
  simulatorRecipe,
  startDevEnv,
  testConfig,
} from './harness';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

describe('a deployment on the dev server, local executor, simulator', () => {
  it('serves two benchmarks at one endpoint, then goes down with no process left', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const control = new TemporalControl(dev.env.client, config);
    const { service } = simulatorRecipe();
    const name = `sim-${process.pid}`;

    await worker.runUntil(async () => {
      const started = await control.deployUp({
        name,
        service,
        deployment: { ttl: '1h', checkInterval: '2s' },
      });
      expect(started.workflowId).toBe(deploymentWorkflowId(name));
      await expect(control.deployUp({ name, service })).rejects.toMatchObject({ kind: 'conflict' });

      let serving = await control.deployment(name);
      for (let i = 0; i < 150 && serving.phase !== 'serving'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        serving = await control.deployment(name);
      }
      expect(serving.phase).toBe('serving');
      expect(serving.endpoint).toMatch(/:\d+$/);
      const job = serving.job!;

      // Two benchmarks at once against the one service.
      const runs = await Promise.all(
        ['one', 'two'].map((n) =>
          dev.env.client.workflow.start(WORKFLOW_TYPE, {
            taskQueue: config.taskQueue,
            workflowId: `bench-dep-${n}-${process.pid}`,
            args: [simulatorRecipe({ name: `dep-${n}`, service: { deployment: name } })],
          }),
        ),
      );
      const summaries = (await Promise.all(runs.map((h) => h.result()))) as BenchmarkSummary[];
      for (const summary of summaries) {
        expect(summary.status).toBe('completed');
        expect(summary.service).toMatchObject({
          kind: 'simulator',
          model: 'aifb-sim',
          endpoint: serving.endpoint,
          deployment: name,
        });
        // What served, as the deployment's probe found it when it became ready.
        expect(summary.service.identity?.models.map((m) => m.id)).toEqual(['aifb-sim']);
        const [stage] = summary.stages;
        expect(stage?.requests.failed).toBe(0);
        expect(stage?.requests.ok).toBeGreaterThan(10);
        // The deployment's job was judged alive through each stage.
        expect(stage?.validity?.valid).toBe(true);
        // Its environment names the deployment's service job (the facts it wrote) before its own clients.
        expect(summary.environment?.jobs.map((j) => [j.role, j.name, j.tasks.length])).toEqual([
          ['deployment-service', job, 1],
          ['clients', `${summary.benchmarkId}-clients`, 2],
        ]);
      }

      // Each benchmark's teardown left the deployment up; it recorded both.
      const after = await control.deployment(name);
      expect(after.phase).toBe('serving');
      expect(after.job).toBe(job);
      expect([...after.benchmarks].sort()).toEqual(runs.map((h) => h.workflowId).sort());
      expect(jobProcessesUnder(config.dataDir).length).toBeGreaterThan(0);
      const listed = await control.listDeployments();
      expect(listed.find((d) => d.name === name)?.phase).toBe('serving');

      const ack = await control.deployDown(name, 'tests done');
      expect(['serving', 'tearing-down', 'down']).toContain(ack.phase);
      const final = await dev.env.client.workflow.getHandle(deploymentWorkflowId(name)).result();
      expect(final).toMatchObject({ phase: 'down', downReason: 'down requested: tests done' });
      await expect(control.deployDown(name)).rejects.toMatchObject({ kind: 'conflict' });
      // The service's log stayed in its job folder.
      const ownerId = (final as { ownerId: string }).ownerId;
      expect(readFileSync(join(config.dataDir, 'jobs', ownerId, job, 'stdout-0.log'), 'utf8')).toContain(
        'aifb simulator listening',
      );
    });
    expect(jobProcessesUnder(config.dataDir)).toEqual([]);
  });
});
