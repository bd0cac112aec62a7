/**
 * One clients allocation for all stages, on the real cluster: both stages served by one job
 * array, and a clients allocation held in the queue longer than a stage does not cut the stage
 * short (queue time is not stage time); the summary says how long the clients waited.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BenchmarkStatus, statusQuery, WORKFLOW_TYPE } from '../../core/contract';
import type { ClientResult } from '../../core/loadgen-protocol';
import { resultFiles } from '../../core/node/config';
import type { BenchmarkSummary } from '../../core/summary';
import { type DevEnv, inProcessWorker, startDevEnv, testConfig } from '../integration/harness';
import { drainNode, knownJobNames, queuedJobId, queuedNames, resumeNode, slurmRecipe } from './cluster';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

let counter = 0;
const newId = (name: string) => `bench-${name}-${process.pid}-${++counter}`;

/** The cluster recipe with two 6 s stages. */
function twoStages(name: string) {
  const recipe = slurmRecipe(name);
  const base = recipe.workload.stages[0]!;
  recipe.workload.stages = [
    { ...base, name: 'first', duration: '6s' },
    { ...base, name: 'second', concurrency: 3, duration: '6s' },
  ];
  return recipe;
}

/** Every client's measured window of a stage, from the raw results beside the summary. */
function clientWindows(dataDir: string, id: string, index: number, name: string): ClientResult[] {
  const raw = readFileSync(join(dataDir, 'results', id, resultFiles.stageRaw(index, name)), 'utf8');
  return (JSON.parse(raw) as { clients: ClientResult[] }).clients;
}

function expectOneSharedWindow(clients: ClientResult[], durationMs: number) {
  expect(clients).toHaveLength(3);
  const starts = clients.map((c) => c.windowStartMs);
  // Started together: one instant for all (same node clock here; NTP-synced on a real cluster).
  expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(100);
  for (const c of clients) expect(Math.abs(c.windowEndMs - c.windowStartMs - durationMs)).toBeLessThan(300);
}

async function status(handle: WorkflowHandle): Promise<BenchmarkStatus> {
  return handle.query(statusQuery);
}

describe('clients allocated once, starting together (real Slurm)', () => {
  it('two stages, one client allocation serves both: exactly one clients array', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = newId('slurm-once');
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [twoStages('slurm-once')],
    });
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;
    expect(summary.status).toBe('completed');
    expect(summary.stages.map((s) => [s.name, s.clientsReported])).toEqual([
      ['first', 3],
      ['second', 3],
    ]);
    // One entry per Slurm job id (array tasks folded into their array): one clients array, ever.
    const names = knownJobNames(id);
    expect(names.filter((n) => n.endsWith('-clients'))).toEqual([`${id}-clients`]);
    expect(names).toEqual([`${id}-clients`, `${id}-service`]);
    expectOneSharedWindow(clientWindows(config.dataDir, id, 0, 'first'), 6000);
    expectOneSharedWindow(clientWindows(config.dataDir, id, 1, 'second'), 6000);
    // The same three processes served both stages, so the stages' windows do not overlap.
    expect(summary.stages[1]!.window!.startMs).toBeGreaterThan(summary.stages[0]!.window!.endMs);
    expect(summary.clientsQueueWaitMs).toBeGreaterThanOrEqual(0);
    expect(queuedNames(id)).toEqual([]);
  });

  it('a clients allocation held pending longer than the stage: the stage still measures its whole window', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const id = newId('slurm-held');
    const holdMs = 15_000; // longer than the 6 s stage
    const summary = (await worker.runUntil(async () => {
      const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: config.taskQueue,
        workflowId: id,
        args: [twoStages('slurm-held')],
      });
      // Hold the clients array before it can start: once the service runs, drain the node (running
      // jobs go on, new ones pend), hold the array when it is queued, then resume the node.
      await queuedJobId(`${id}-service`, 'RUNNING');
      drainNode();
      let jobId: string;
      try {
        jobId = await queuedJobId(`${id}-clients`, 'PENDING');
        execFileSync('scontrol', ['hold', jobId]);
      } finally {
        resumeNode();
      }
      await sleep(holdMs);
      // Held all along: still waiting for its clients, no stage clock running, nothing measured.
      const held = await status(handle);
      expect(held).toMatchObject({ phase: 'loading', stageIndex: 0, stageEndsAtMs: null, stages: [] });
      expect(held.clientsWaitingSinceMs).not.toBeNull();
      execFileSync('scontrol', ['release', jobId]);
      // The queue wait covers the hold (asserted below: at least holdMs). No bound from the wall
      // clock after the release: a stalled SFTP read (60 s to its timeout, seen once under a
      // loaded suite) delays the rest of the run without making the queue wait any shorter.
      return (await handle.result()) as BenchmarkSummary;
    })) as BenchmarkSummary;
    expect(summary.status).toBe('completed');
    expect(summary.clientsQueueWaitMs).toBeGreaterThanOrEqual(holdMs);
    // Neither stage was cut short: each measured its whole 6 s on all three clients.
    for (const stage of summary.stages) {
      expect(stage.clientsReported).toBe(3);
      expect(stage.windowS).toBeGreaterThan(5.7);
      expect(stage.windowS).toBeLessThan(6.5);
    }
    expectOneSharedWindow(clientWindows(config.dataDir, id, 0, 'first'), 6000);
    expect(knownJobNames(id).filter((n) => n.endsWith('-clients'))).toEqual([`${id}-clients`]);
    expect(queuedNames(id)).toEqual([]);
  });
});
