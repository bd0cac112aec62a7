// target.slurm.modules on the local cluster's real Lmod (scripts/cluster/up.sh installs it and the
// aifb-test/1.0 module): job scripts run in a non-login bash that has no `module` until the
// script initialises Lmod itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import { type DevEnv, failureOf, inProcessWorker, startDevEnv, testConfig } from '../integration/harness';
import { queuedNames, slurmRecipe } from './cluster';

const simulator = fileURLToPath(new URL('../../dist/simulator.mjs', import.meta.url));

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

let counter = 0;
const newId = (name: string) => `bench-${name}-${process.pid}-${++counter}`;

describe('modules through Lmod on the Slurm cluster', () => {
  it("loads the recipe's module before the service starts: the service sees its variable and PATH", async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = newId('slurm-module');
    const recipe = slurmRecipe('slurm-module', {
      modules: ['aifb-test'],
      service: {
        kind: 'command',
        model: 'aifb-sim',
        // Says what the module gave this process, then becomes the simulator.
        command: [
          'bash',
          '-c',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
          'echo "module check: AIFB_TEST_MODULE=${AIFB_TEST_MODULE:-unset} $(aifb-test-hello)"; exec "$@"',
          'module-check',
          process.execPath,
          simulator,
          '--host',
          '0.0.0.0',
          '--port',
          '{port}',
          '--model',
          'aifb-sim',
          '--ttft-ms',
          '50',
          '--itl-ms',
          '5',
          '--output-tokens',
          '16',
        ],
        resources: { time: '00:15:00' },
        health: { timeout: '60s', interval: '300ms' },
      },
    });
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [recipe],
    });
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;
    expect(summary.status).toBe('completed');
    expect(summary.stages[0]!.requests.ok).toBeGreaterThan(0);
    const log = readFileSync(join(config.dataDir, 'logs', id, 'service.log'), 'utf8');
    expect(log).toContain('module check: AIFB_TEST_MODULE=loaded-1.0 aifb-test-hello 1.0');
    expect(queuedNames(id)).toEqual([]);
  });

  it("an unknown module fails the run at once with Lmod's own message", async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = newId('slurm-nomodule');
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [slurmRecipe('slurm-nomodule', { modules: ['no-such-module'] })],
    });
    const started = Date.now();
    const err = await failureOf(worker.runUntil(handle.result()));
    const cause = err.cause as ApplicationFailure;
    expect(cause.type).toBe('ServiceFailed');
    expect(cause.message).toContain('The following module(s) are unknown:\n"no-such-module"');
    expect(cause.message).toContain('aifb: module load no-such-module failed (exit 1)');
    // Not the 60 s health timeout: the job ended at once and said why.
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(queuedNames(id)).toEqual([]);
  });
});
