import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusQuery, WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import {
  type DevEnv,
  failureOf,
  inProcessWorker,
  jobProcessesUnder,
  simulatorRecipe,
  startDevEnv,
  testConfig,
  waitForPhase,
  workerProcess,
} from './harness';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

let idCounter = 0;
const newId = () => `bench-it-${process.pid}-${++idCounter}`;

function start(taskQueue: string, recipe: unknown, workflowId = newId()): Promise<WorkflowHandle> {
  return dev.env.client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId, args: [recipe] });
}

describe('a whole benchmark on the dev server, local executor, simulator', () => {
  it('runs, measures the configured TTFT, writes results and logs, and leaves no process behind', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const handle = await start(config.taskQueue, simulatorRecipe());
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;

    expect(summary.status).toBe('completed');
    const [stage] = summary.stages;
    expect(stage).toBeDefined();
    if (!stage) return;
    expect(stage.clientsReported).toBe(2);
    expect(stage.requests.failed).toBe(0);
    expect(stage.requests.ok).toBeGreaterThan(10);
    // The simulator's TTFT is a constant 50 ms: the client must measure it to within 5 ms.
    expect(Math.abs(stage.latencyMs.ttft!.p50 - 50)).toBeLessThan(5);
    expect(Math.abs(stage.latencyMs.itl!.p50 - 5)).toBeLessThan(2);
    expect(stage.tokens.output).toBe(stage.requests.ok * 20);
    expect(stage.throughput.requestsPerS).toBeGreaterThan(0);
    expect(stage.goodput?.fraction).toBe(1);

    const results = join(config.dataDir, 'results', handle.workflowId);
    const onDisk = JSON.parse(readFileSync(join(results, 'summary.json'), 'utf8')) as BenchmarkSummary;
    expect(onDisk).toEqual(summary);
    expect(readFileSync(join(results, 'results.csv'), 'utf8').split('\n')[1]).toContain(
      ',c4,concurrency,4,2,',
    );
    const logs = join(config.dataDir, 'logs', handle.workflowId);
    expect(readFileSync(join(logs, 'service.log'), 'utf8')).toContain('aifb simulator listening');
    for (const client of ['clients-0', 'clients-1']) {
      expect(readFileSync(join(logs, `${client}.log`), 'utf8')).toMatch(/loadgen/);
    }
    expect(jobProcessesUnder(config.dataDir)).toEqual([]);
  });

  it('fails fast when the service exits at start, with its stderr in the message', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const recipe = simulatorRecipe({
      service: {
        kind: 'command',
        command: ['bash', '-c', 'echo "model file not found: /nope" >&2; exit 3'],
        port: 9,
      },
    });
    const began = Date.now();
    const err = await failureOf(worker.runUntil(start(config.taskQueue, recipe).then((h) => h.result())));
    expect(Date.now() - began).toBeLessThan(20_000);
    expect(err.cause).toBeInstanceOf(ApplicationFailure);
    const cause = err.cause as ApplicationFailure;
    expect(cause.type).toBe('ServiceFailed');
    expect(cause.message).toContain('model file not found: /nope');
    expect(cause.message).toMatch(/status 3/);
    expect(jobProcessesUnder(config.dataDir)).toEqual([]);
  });

  it('gives up after the health timeout with the reason, and tears the service down', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const recipe = simulatorRecipe({
      service: {
        kind: 'command',
        command: ['bash', '-c', 'echo still loading; sleep 600'],
        port: 9,
        health: { timeout: '3s', interval: '250ms' },
      },
    });
    const err = await failureOf(worker.runUntil(start(config.taskQueue, recipe).then((h) => h.result())));
    const cause = err.cause as ApplicationFailure;
    expect(cause.type).toBe('HealthTimeout');
    expect(cause.message).toMatch(/not healthy within 3s of starting to run: GET \/health failed/);
    expect(cause.message).toContain('still loading');
    expect(jobProcessesUnder(config.dataDir)).toEqual([]);
  });

  it('rejects a bad recipe started directly on Temporal with the field paths, without retrying', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const handle = await start(config.taskQueue, {
      name: 'Nope!',
      service: { kind: 'simulator', port: 99999 },
    });
    const err = await failureOf(worker.runUntil(handle.result()));
    const cause = err.cause as ApplicationFailure;
    expect(cause.type).toBe('InvalidRecipe');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain('- name:');
    expect(cause.message).toContain('- service.port:');
    expect(cause.message).toContain('- workload:');
  });

  it('cancelled during load: ends cancelled, every job gone', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const recipe = simulatorRecipe();
    (recipe.workload as { stages: { duration: string }[] }).stages[0]!.duration = '10m';
    const run = worker.runUntil(async () => {
      const handle = await start(config.taskQueue, recipe);
      await waitForPhase(handle, 'loading');
      await sleep(2000);
      expect(jobProcessesUnder(config.dataDir).length).toBeGreaterThan(0);
      await handle.cancel();
      return failureOf(handle.result());
    });
    const err = await run;
    expect(err.cause).toBeInstanceOf(CancelledFailure);
    expect(jobProcessesUnder(config.dataDir)).toEqual([]);
  });

  it('survives kill -9 of the worker during load: a new worker finishes the run with the same service', async () => {
    const config = testConfig();
    const recipe = simulatorRecipe();
    (recipe.workload as { stages: { duration: string }[] }).stages[0]!.duration = '12s';
    const first = workerProcess(dev, config);
    const handle = await start(config.taskQueue, recipe);
    await waitForPhase(handle, 'loading', 90_000);
    await sleep(2000);
    const serviceTask = join(
      config.dataDir,
      'jobs',
      handle.workflowId,
      `${handle.workflowId}-service`,
      'task-0.json',
    );
    const servicePid = JSON.parse(readFileSync(serviceTask, 'utf8')).pid as number;
    const before = (await handle.query(statusQuery)).endpoint;
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    await sleep(3000); // the run goes on without any worker for a while
    const second = workerProcess(dev, config);
    try {
      const summary = (await handle.result()) as BenchmarkSummary;
      expect(summary.status).toBe('completed');
      expect(summary.stages[0]!.requests.ok).toBeGreaterThan(10);
      expect(summary.stages[0]!.clientsReported).toBe(2);
      // Exactly one service job, never restarted: same process, same endpoint.
      const jobs = JSON.parse(readFileSync(serviceTask, 'utf8')).pid as number;
      expect(jobs).toBe(servicePid);
      expect(summary.service.endpoint).toBe(before);
      expect(
        existsSync(join(config.dataDir, 'jobs', handle.workflowId, `${handle.workflowId}-service`)),
      ).toBe(true);
      const dirs = (await import('node:fs')).readdirSync(join(config.dataDir, 'jobs', handle.workflowId));
      expect(dirs.filter((d) => d.endsWith('-service'))).toHaveLength(1);
      expect(jobProcessesUnder(config.dataDir)).toEqual([]);
    } finally {
      second.kill('SIGTERM');
    }
  });
});
