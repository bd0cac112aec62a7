/**
 * More running benchmarks than worker slots all complete (issue 19): one worker with 3 activity
 * slots, 2 workflow slots and 2 relay slots runs 8 benchmarks at once on the in-memory executor
 * (no processes: only the orchestration is under test). A relay holds its slot for its
 * benchmark's whole life; if relays shared the activity slots, three of them would hold all
 * three and no benchmark could move again (teardown needs a slot): the runs would never end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { statusQuery, WORKFLOW_TYPE } from '../../core/contract';
import type { BenchmarkSummary } from '../../core/summary';
import { type DevEnv, memoryWorker, startDevEnv, testConfig } from './harness';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

const BENCHMARKS = 8;
const SLOTS = { activities: 3, workflows: 2, relays: 2 };

/** A cheap benchmark: one client at 2 req/s for 8 s (simulated: nothing runs). */
const recipe = {
  name: 'starvation',
  service: { kind: 'simulator', health: { timeout: '20s', interval: '200ms' } },
  workload: {
    kind: 'openai-chat',
    dataset: { synthetic: { inputTokens: 8, outputTokens: 8 } },
    clients: { count: 1 },
    stages: [{ name: 'r2', mode: 'constant', rate: 2, duration: '8s', warmup: '0s', cooldown: '0s' }],
  },
};

it(`runs ${BENCHMARKS} benchmarks at once on a worker with ${SLOTS.activities} activity and ${SLOTS.relays} relay slots, every one to completion`, async () => {
  const config = { ...testConfig(), workerSlots: SLOTS };
  const { worker, context } = await memoryWorker(dev, config, 500);
  await worker.runUntil(async () => {
    const handles: WorkflowHandle[] = [];
    for (let i = 0; i < BENCHMARKS; i++) {
      handles.push(
        await dev.env.client.workflow.start(WORKFLOW_TYPE, {
          taskQueue: config.taskQueue,
          workflowId: `bench-starve-${process.pid}-${i}`,
          args: [recipe],
        }),
      );
    }
    // Settled, never thrown early: a failure is reported with every run's phase below.
    const outcomes = handles.map((h) =>
      h.result().then(
        (summary) => ({ ok: true as const, summary: summary as BenchmarkSummary }),
        (err: unknown) => ({ ok: false as const, err }),
      ),
    );
    let done = 0;
    for (const o of outcomes) void o.then(() => done++);
    // Proof the runs overlapped: more were loading at once than there are activity slots.
    let mostLoading = 0;
    const deadline = Date.now() + 120_000;
    while (done < BENCHMARKS && Date.now() < deadline) {
      const phases = await Promise.all(
        handles.map((h) =>
          h.query(statusQuery).then(
            (s) => s.phase,
            () => 'unknown',
          ),
        ),
      );
      mostLoading = Math.max(mostLoading, phases.filter((p) => p === 'loading').length);
      await sleep(500);
    }
    if (done < BENCHMARKS) {
      const phases = await Promise.all(
        handles.map((h) =>
          h.query(statusQuery).then(
            (s) => s.phase,
            (e: unknown) => String(e),
          ),
        ),
      );
      throw new Error(`${BENCHMARKS - done} of ${BENCHMARKS} runs stalled; phases: ${phases.join(', ')}`);
    }
    const settled = await Promise.all(outcomes);
    expect(settled.map((o) => (o.ok ? o.summary.status : String(o.err)))).toEqual(
      Array(BENCHMARKS).fill('completed'),
    );
    expect(mostLoading).toBeGreaterThan(SLOTS.activities);
    for (const o of settled) if (o.ok) expect(o.summary.stages[0]?.validity?.valid).toBe(true);
  });
  await context.close();
});
