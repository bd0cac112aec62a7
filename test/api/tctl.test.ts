/**
 * The README's `temporal` CLI one-liners against the dev server: start a benchmark from a JSON
 * recipe file, see it listed by its search attributes, cancel it (teardown runs).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalBinary } from '../../cli/embedded-stack';
import type { BenchmarkView } from '../../control/types';
import { stopStageUpdate, WORKFLOW_TYPE } from '../../core/contract';
import { repoRoot } from '../../core/node/config';
import { jobProcessesUnder } from '../integration/harness';
import { type ApiStack, startApiStack } from './harness';

const run = promisify(execFile);

let stack: ApiStack;
beforeAll(async () => {
  stack = await startApiStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** `temporal ...` against the stack's dev server, as the README shows it (plus --address). */
function temporal(args: string[]) {
  return run(temporalBinary(), [...args, '--address', stack.dev.address], { cwd: repoRoot });
}

async function waitFor(id: string, until: (v: BenchmarkView) => boolean, what: string) {
  const deadline = Date.now() + 120_000;
  let last: BenchmarkView | undefined;
  while (Date.now() < deadline) {
    last = await stack.control.status(id).catch(() => undefined);
    if (last && until(last)) return last;
    await sleep(300);
  }
  throw new Error(`${id} never reached ${what} (last: ${last?.status}/${last?.live?.phase})`);
}

describe('temporal CLI (tctl) one-liners', () => {
  it('starts a benchmark from examples/simulator.json, lists it by attribute, and cancels it', async () => {
    const id = `bench-tctl-demo-${process.pid}`;
    const started = await temporal([
      'workflow',
      'start',
      '--type',
      WORKFLOW_TYPE,
      '--task-queue',
      stack.config.taskQueue,
      '--workflow-id',
      id,
      '--input-file',
      join('examples', 'simulator.json'),
    ]);
    expect(started.stdout).toContain(id);

    const loading = await waitFor(id, (v) => v.live?.phase === 'loading', 'loading');
    // The workflow set its own search attributes: nothing but the recipe was given.
    expect(loading).toMatchObject({ recipeName: 'tctl-demo', serviceKind: 'simulator', executor: 'local' });
    const listed = await temporal([
      'workflow',
      'list',
      '--query',
      `AifbRecipe = 'tctl-demo' AND ExecutionStatus = 'Running'`,
      '--output',
      'json',
    ]);
    expect(listed.stdout).toContain(id);

    const stage = await temporal([
      'workflow',
      'update',
      'execute',
      '--workflow-id',
      id,
      '--name',
      stopStageUpdate.name,
    ]);
    expect(stage.stdout).toContain('c8');

    await temporal(['workflow', 'cancel', '--workflow-id', id]);
    const ended = await waitFor(id, (v) => v.status !== 'running', 'the end');
    expect(ended.status).toBe('cancelled');
    expect(ended.live?.phases.map((p) => p.phase)).toContain('tearing-down');
    expect(jobProcessesUnder(stack.config.dataDir)).toEqual([]);
  });

  it('a bad recipe fails the run at once with the field paths', async () => {
    const id = `bench-tctl-bad-${process.pid}`;
    await temporal([
      'workflow',
      'start',
      '--type',
      WORKFLOW_TYPE,
      '--task-queue',
      stack.config.taskQueue,
      '--workflow-id',
      id,
      '--input',
      '{"name":"tctl-bad","service":{"kind":"simulator"},"workload":{"kind":"openai-chat","stages":[]}}',
    ]);
    const ended = await waitFor(id, (v) => v.status !== 'running', 'the end');
    expect(ended.status).toBe('failed');
    expect(ended.failure).toContain('workload.stages');
  });
});
