/**
 * Records the event histories that test/workflow/replay.test.ts replays against the current
 * workflow code (the determinism guard). Re-record deliberately, and only when the workflow
 * changed on purpose in a way old histories cannot replay (then running benchmarks need care):
 *
 *   npx tsx scripts/record-histories.ts
 *
 * Runs the real workflow against the fake activities of the workflow tier on the time-skipping
 * test server, and refuses to write a history whose run did not end as expected.
 *
 * Before re-recording past a `patched()` change, keep the old recordings under another name:
 * they guard the branch that runs started before it still take (`*-parsed-in-sandbox.json`
 * were recorded before the recipe check moved to a local activity, and before the relay hub
 * ended stages).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { repoRoot } from '../core/node/config';
import { createFakes, recipeWith, twoStageRecipe } from '../test/workflow/fakes';
import {
  type BenchmarkHandle,
  bundleWorkflows,
  createTimeSkippingEnv,
  type WorkerContext,
  waitForStatus,
  withWorker,
} from '../test/workflow/harness';
import { historyToJsonEvents } from '../test/workflow/history-json';

export const historiesDir = join(repoRoot, 'test', 'fixtures', 'histories');

async function save(name: string, handle: BenchmarkHandle): Promise<void> {
  const history = await handle.fetchHistory();
  const file = join(historiesDir, `${name}.json`);
  // One event per line: small enough to commit, and a re-recording diffs readably.
  const events = historyToJsonEvents(history);
  writeFileSync(file, `{"events": [\n${events.map((e) => JSON.stringify(e)).join(',\n')}\n]}\n`);
  console.log(`wrote ${file} (${events.length} events)`);
}

/** A fresh test server per recording: time skipped by one run never shows in the next. */
async function record(name: string, run: (w: WorkerContext, env: TestWorkflowEnvironment) => Promise<void>) {
  const env = await createTimeSkippingEnv();
  try {
    await withWorker(env, await bundle, createFakes().activities, (w) => run(w, env), {
      taskQueue: `aifb-record-${name}`,
    });
  } finally {
    await env.teardown();
  }
}

let bundle: Promise<WorkflowBundleWithSourceMap>;

async function main(): Promise<void> {
  mkdirSync(historiesDir, { recursive: true });
  bundle = bundleWorkflows();

  // Two short stages, each polling its clients twice: every kind of step the workflow takes.
  await record('happy-path-two-stages', async (w) => {
    const handle = await w.start(twoStageRecipe(), 'happy-path-two-stages');
    const result = await handle.result();
    if (result.status !== 'completed' || result.stages.length !== 2) {
      throw new Error(`happy path did not complete as expected: ${JSON.stringify(result)}`);
    }
    await save('happy-path-two-stages', handle);
  });

  // Cancelled two and a half minutes into a 2 h stage (after two client checks).
  await record('cancelled-during-load', async (w, env) => {
    const handle = await w.start(recipeWith('cancel-me', [{ duration: '2h' }]), 'cancelled-during-load');
    await waitForStatus(handle, (s) => s.phase === 'loading' && s.stageEndsAtMs !== null);
    await env.sleep('150s');
    await handle.cancel();
    const outcome = await handle.result().then(
      (value) => value,
      (err: unknown) => err,
    );
    if (!(outcome instanceof WorkflowFailedError && outcome.cause instanceof CancelledFailure)) {
      throw new Error(`expected a cancelled run, got ${String(outcome)}`);
    }
    await save('cancelled-during-load', handle);
  });

  // A capacity search whose probes all fail (the fakes measure no TTFT): it shrinks from 0.04
  // req/s to the floor, each probe a stage made from the previous verdict, then releases the
  // clients. Guards the made-as-it-goes stage list (core/stage-plan.ts).
  await record('capacity-search-probes', async (w) => {
    const input = recipeWith('search', [{ name: 'c4', duration: '5s' }]);
    input.workload.stages.push({
      name: 'cap',
      mode: 'capacity-search',
      slo: { ttft: { p99: '500ms' } },
      start: 0.04,
      duration: '5s',
      cooldown: '1s',
    });
    const handle = await w.start(input, 'capacity-search-probes');
    const result = await handle.result();
    if (result.status !== 'completed' || result.stages.map((s) => s.name).join() !== 'c4,cap-1,cap-2,cap-3') {
      throw new Error(
        `the search did not run as expected: ${JSON.stringify(result.stages.map((s) => s.name))}`,
      );
    }
    await save('capacity-search-probes', handle);
  });
}

await main();
