/**
 * Admission control on the real dev server and worker (issue 19): three benchmarks on a target
 * that runs one at a time (`target.maxRunning: 1`). The second and third wait `queued`, in
 * submission order, and each starts when the one before has ended; all three complete. Jobs run
 * on the in-memory executor: only the orchestration is under test.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BenchmarkStatus, statusQuery, WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import { type DevEnv, memoryWorker, startDevEnv, testConfig } from './harness';

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
  const { worker, context } = await memoryWorker(dev, config, 300);
  const statuses = await worker.runUntil(async () => {
    const handles: WorkflowHandle[] = [];
    const phaseOf = (h: WorkflowHandle) => h.query(statusQuery).then((s) => s.phase);
    /** Polls until `h` is in a phase `ok` accepts; false after about 20 s. */
    const reaches = async (h: WorkflowHandle, ok: (phase: string) => boolean) => {
      for (let i = 0; i < 200; i++) {
        if (ok(await phaseOf(h))) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    };
    // Submitted one after another, each once the one before has its answer (a place, or a
    // place in line), so the order the admission workflow sees is the submission order.
    for (let i = 0; i < 3; i++) {
      const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: config.taskQueue,
        workflowId: `bench-admit-${process.pid}-${i}`,
        args: [recipe],
      });
      handles.push(handle);
      const answered =
        i === 0 ? (p: string) => !['validating', 'queued'].includes(p) : (p: string) => p === 'queued';
      expect(await reaches(handle, answered)).toBe(true);
    }
    for (const h of handles) {
      const summary = (await h.result()) as BenchmarkSummary;
      expect(summary.status).toBe('completed');
    }
    return Promise.all(handles.map((h) => h.query(statusQuery)));
  });
  await context.close();

  const [first, second, third] = statuses as [BenchmarkStatus, BenchmarkStatus, BenchmarkStatus];
  for (const later of [second, third]) expect(later.phases.map((p) => p.phase)).toContain('queued');
  // One at a time, in order: each left `queued` only after the one before had torn down.
  const ended = (s: BenchmarkStatus) => phaseAt(s, 'tearing-down')!;
  const admitted = (s: BenchmarkStatus) =>
    s.phases.find((_p, i) => i > 0 && s.phases[i - 1]!.phase === 'queued')!.atMs;
  expect(admitted(second)).toBeGreaterThanOrEqual(ended(first));
  expect(admitted(third)).toBeGreaterThanOrEqual(ended(second));
});
