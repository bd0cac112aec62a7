/**
 * The in-job log shipper on the real Slurm cluster (recipe telemetry.directLokiUrl): the service
 * job and the 3 client array tasks run the shipper from the uploaded single executable, push to
 * VictoriaLogs (Loki's push API) themselves, and every line arrives exactly once; with Loki
 * unreachable from the jobs the worker's relay ships them all, once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import { type DevEnv, freePort, inProcessWorker, startDevEnv, testConfig } from '../integration/harness';
import {
  expectEveryLineOnce,
  shipperStates,
  startVictoriaLogs,
  type VictoriaLogs,
} from '../telemetry/victorialogs';
import { cluster, slurmRecipe } from './cluster';

let dev: DevEnv;
let logs: VictoriaLogs;
beforeAll(async () => {
  logs = await startVictoriaLogs();
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
  await logs?.stop();
});

async function run(name: string, directLokiUrl: string) {
  // No Pushgateway: only logs go anywhere; the relay's Loki takes what the shippers leave.
  const telemetry = {
    pushgatewayUrl: null,
    prometheusUrl: null,
    lokiUrl: logs.lokiUrl,
    pushRetentionMs: null,
    pushIntervalMs: 1000,
  };
  const config = { ...testConfig(), telemetry };
  const worker = await inProcessWorker(dev, config);
  const id = `bench-${name}-${process.pid}-${Date.now().toString(36)}`;
  const summary = (await worker.runUntil(
    dev.env.client.workflow.execute(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [
        { ...slurmRecipe(name, { stage: { duration: '3s', cooldown: '2s' } }), telemetry: { directLokiUrl } },
      ],
    }),
  )) as BenchmarkSummary;
  expect(summary.status).toBe('completed');
  return { config, id, states: shipperStates(join(cluster().workdir, id)) };
}

describe('in-job log shippers on Slurm', () => {
  it('the service job and every client task ship their own lines (single executable); every line once', async () => {
    const { config, id, states } = await run('slurm-ship', logs.lokiUrl);
    expect(await expectEveryLineOnce(logs, config, id)).toBeGreaterThan(5);
    expect(states.length).toBe(8); // service + 3 clients, stdout and stderr each
    for (const { file, size, state } of states) {
      expect(state.state, file).toBe('stopped');
      expect(state.reason, file).toBeUndefined();
      expect(state.offsets[file] ?? 0, file).toBe(size);
    }
  });

  it('with Loki unreachable from the jobs, the relay ships every line, once', async () => {
    const { config, id, states } = await run('slurm-noship', `http://127.0.0.1:${await freePort()}`);
    expect(await expectEveryLineOnce(logs, config, id)).toBeGreaterThan(5);
    for (const { state } of states) expect(state.reason).toMatch(/push failed/);
  });
});
