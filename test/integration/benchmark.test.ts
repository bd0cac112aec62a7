import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusQuery, WORKFLOW_TYPE } from '../../core/contract';
import { lastGood } from '../../core/history';
import { readHistory } from '../../core/node/history-file';
import { recipeHash } from '../../core/node/recipe-hash';
import { parseRecipe } from '../../core/recipe';
import type { BenchmarkSummary } from '../../core/summary';
import { LocalExecutor } from '../../executors/local';
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

    // The environment, as each job saw its machine (facts.sh inside the jobs), and the history line.
    const env = summary.environment!;
    const jobs = await new LocalExecutor({ root: `${config.dataDir}/jobs` }).listJobs(handle.workflowId);
    expect(env.jobs.map((j) => [j.role, j.id, j.tasks.length])).toEqual([
      ['service', jobs.find((j) => j.name.endsWith('-service'))!.id, 1],
      ['clients', jobs.find((j) => j.name.endsWith('-clients'))!.id, 2],
    ]);
    const cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
    for (const task of env.jobs.flatMap((j) => j.tasks)) {
      expect(task).toMatchObject({ hostname: hostname(), cpuModel, slurm: null });
      expect(task.gpus).toEqual({ absent: `nvidia-smi not found on ${hostname()}` });
    }
    expect(env.nodes).toEqual([hostname()]);
    const parsed = parseRecipe(simulatorRecipe());
    expect(parsed.ok && env.recipeHash).toBe(parsed.ok ? recipeHash(parsed.recipe) : '');
    expect(env.aifb.version).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    expect(env.problems).toBeUndefined();
    expect(summary.verdict).toBeUndefined();
    const history = await readHistory(config, 'it');
    expect(history.map((e) => [e.benchmarkId, e.status, e.recipeHash])).toEqual([
      [handle.workflowId, 'completed', env.recipeHash],
    ]);
  });

  it("judges a run against its recipe's references and the last good run of the recipe", async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const base = simulatorRecipe();
    const recipe = simulatorRecipe({
      name: 'it-refs',
      workload: {
        ...(base.workload as object),
        stages: [{ name: 'c4', mode: 'concurrency', concurrency: 4, duration: '2s', cooldown: '1s' }],
      },
      references: {
        // The simulator's TTFT is 50 ms: a reference of 50 within 20% passes, one of 20 fails.
        stages: { c4: { 'latencyMs.ttft.p50': [50, -0.2, 0.2, 'ms'], 'requests.failed': [0, null, 0] } },
        lastGood: { tolerance: '30%', figures: ['latencyMs.ttft.p50', 'latencyMs.itl.p50'] },
      },
    });
    // The same recipe with a reference it cannot meet: the verdict fails, the run still completes.
    const strict = simulatorRecipe({
      ...recipe,
      references: { stages: { c4: { 'latencyMs.ttft.p50': [20, null, 0.1, 'ms'] } } },
    });
    const run = async (r: unknown) => (await (await start(config.taskQueue, r)).result()) as BenchmarkSummary;
    // One worker for the three runs, one after the other (a worker runs once).
    const [first, second, third] = await worker.runUntil(async () => [
      await run(recipe),
      await run(recipe),
      await run(strict),
    ]);
    expect(first.verdict).toMatchObject({ outcome: 'pass', checked: 2 });
    expect(first.verdict!.notes[0]).toMatch(/^no earlier good run of it-refs/);
    expect(second.verdict).toMatchObject({ outcome: 'pass', checked: 4, notes: [] });
    expect(
      second.verdict!.checks.filter((c) => c.source === 'last-good').map((c) => [c.figure, c.from]),
    ).toEqual([
      ['latencyMs.ttft.p50', first.benchmarkId],
      ['latencyMs.itl.p50', first.benchmarkId],
    ]);
    expect(third.status).toBe('completed');
    expect(third.verdict).toMatchObject({ outcome: 'fail', failed: 1 });
    expect(third.verdict!.checks[0]!.reason).toMatch(/^\d+(\.\d+)? above 22 \(reference 20 \+10%\)$/);
    const history = await readHistory(config, 'it-refs');
    expect(history.map((e) => e.verdict?.outcome)).toEqual(['pass', 'pass', 'fail']);
    // A failed verdict never becomes the last good run.
    expect(lastGood(history, third.environment!.recipeHash)?.benchmarkId).toBe(second.benchmarkId);
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
    const err = await failureOf(worker.runUntil(start(config.taskQueue, recipe).then((h) => h.result())));
    expect(err.cause).toBeInstanceOf(ApplicationFailure);
    const cause = err.cause as ApplicationFailure;
    // Fast: it saw the job end (ServiceFailed), not its health budget run out (HealthTimeout).
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
