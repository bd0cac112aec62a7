/**
 * Admission control on the real dev server and worker (issue 19): three benchmarks on a target
 * that runs one at a time (`target.maxRunning: 1`). The second and third wait `queued`, in
 * submission order, and each starts when the one before has ended; all three complete. Jobs run
 * on the in-memory executor: only the orchestration is under test.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivityContext } from '../../activities/context';
import { type BenchmarkStatus, statusQuery, WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import { MemoryExecutor } from '../../executors/memory';
import { createBenchmarkWorker } from '../../workers/worker';
import { type DevEnv, startDevEnv, testConfig } from './harness';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

const recipe = {
  name: 'admitted',
  target: { executor: 'local', maxRunning: 1 },
  service: { kind: 'simulator', health: { timeout: '20s', interval: '200ms' } },
  workload: {
    kind: 'openai-chat',
    dataset: { synthetic: { inputTokens: 8, outputTokens: 8 } },
    clients: { count: 1 },
    stages: [{ name: 'r2', mode: 'constant', rate: 2, duration: '3s', warmup: '0s', cooldown: '0s' }],
  },
};

const phaseAt = (s: BenchmarkStatus, phase: string) => s.phases.find((p) => p.phase === phase)?.atMs;

it('runs one benchmark at a time on a target limited to one: the others wait queued, in submission order', async () => {
  const config = testConfig();
  const context = createActivityContext(config, {
    executor: new MemoryExecutor({ timing: { service: { startupMs: 300 }, clients: { startupMs: 300 } } }),
  });
  const worker = await createBenchmarkWorker({
    connection: dev.env.nativeConnection,
    namespace: 'default',
    config,
    context,
    workflowBundle: dev.bundle,
  });
  const statuses = await worker.runUntil(async () => {
    const handles: WorkflowHandle[] = [];
    for (let i = 0; i < 3; i++) {
      handles.push(
        await dev.env.client.workflow.start(WORKFLOW_TYPE, {
          taskQueue: config.taskQueue,
          workflowId: `bench-admit-${process.pid}-${i}`,
          args: [recipe],
        }),
      );
    }
    // While the first runs, the later ones are queued (seen live, not only in the phase list).
    let sawQueued = false;
    for (let i = 0; i < 200 && !sawQueued; i++) {
      const phases = await Promise.all(handles.map((h) => h.query(statusQuery).then((s) => s.phase)));
      sawQueued = phases[1] === 'queued' && phases[2] === 'queued';
      if (!sawQueued) await new Promise((r) => setTimeout(r, 100));
    }
    expect(sawQueued).toBe(true);
    for (const h of handles) {
      const summary = (await h.result()) as BenchmarkSummary;
      expect(summary.status).toBe('completed');
    }
    return Promise.all(handles.map((h) => h.query(statusQuery)));
  });
  await context.close();

  const [first, second, third] = statuses as [BenchmarkStatus, BenchmarkStatus, BenchmarkStatus];
  // Each waits `queued` until its grant comes back from the target's admission workflow (the
  // first only briefly); the later ones until the one before has torn down.
  for (const later of [second, third]) expect(later.phases.map((p) => p.phase)).toContain('queued');
  // One at a time, in order: each left `queued` only after the one before had torn down.
  const ended = (s: BenchmarkStatus) => phaseAt(s, 'tearing-down')!;
  const admitted = (s: BenchmarkStatus) =>
    s.phases.find((_p, i) => i > 0 && s.phases[i - 1]!.phase === 'queued')!.atMs;
  expect(admitted(second)).toBeGreaterThanOrEqual(ended(first));
  expect(admitted(third)).toBeGreaterThanOrEqual(ended(second));
});
