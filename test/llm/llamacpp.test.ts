// A real LLM benchmarked end to end: kind llamacpp (llama-server + SmolLM2-135M on CPU) on the
// local executor and on the local Slurm cluster, through a real Temporal dev server and worker.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import { type DevEnv, inProcessWorker, startDevEnv, testConfig } from '../integration/harness';
import { llamacppRecipe, llm } from './llm';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

let counter = 0;
const newId = (name: string) => `bench-${name}-${process.pid}-${++counter}`;

/** llama-server processes still running this run's model. */
function serverProcesses(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(llm().server) && !l.includes('ps -eo'));
}

async function runBenchmark(target: 'local' | 'slurm') {
  const config = testConfig();
  const worker = await inProcessWorker(dev, config);
  const id = newId(`llama-${target}`);
  const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
    taskQueue: config.taskQueue,
    workflowId: id,
    args: [llamacppRecipe(`llama-${target}`, target)],
  });
  const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;
  return { summary, logs: join(config.dataDir, 'logs', id), results: join(config.dataDir, 'results', id) };
}

function expectRealRun(run: Awaited<ReturnType<typeof runBenchmark>>) {
  const { summary, logs } = run;
  expect(summary.status).toBe('completed');
  for (const stage of summary.stages) {
    expect(stage.requests.failed).toBe(0);
    expect(stage.requests.ok).toBeGreaterThan(3);
  }
  // What served, as the server said it.
  expect(summary.service.identity?.models[0]?.id).toMatch(/SmolLM2/i);
  expect(summary.service.identity?.version).toBeTruthy();
  // The server was stopped by teardown and exited cleanly; nothing is left running.
  const serviceErr = readFileSync(join(logs, 'service.err.log'), 'utf8');
  expect(serviceErr).toContain('aifb: service exited with status 0');
  expect(serverProcesses()).toEqual([]);
  expect(readdirSync(logs)).toContain('service.log');
}

describe('llama.cpp + SmolLM2, end to end', () => {
  it('on the local executor: zero failures, identity recorded, a clean exit', async () => {
    expectRealRun(await runBenchmark('local'));
  });

  it('on the local Slurm cluster: the same', async () => {
    expectRealRun(await runBenchmark('slurm'));
  });
});
