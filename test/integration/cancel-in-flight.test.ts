// Submitting creates a job. If teardown could run while a submission is still in flight, the job
// would land after teardown cancelled "every job of the benchmark" and outlive it.
// workflows/benchmark.ts gives submitService and startClients WAIT_CANCELLATION_COMPLETED for this.
// On the dev server, with fake activities: the time-skipping server's handling of a cancelled
// activity that completes later made this hang in some runs (its skips are not what is tested).
import { CancelledFailure } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakes, recipeWith } from '../workflow/fakes';
import { withWorker } from '../workflow/harness';
import { type DevEnv, failureOf, startDevEnv } from './harness';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

/** Polls `predicate` every 20 ms for up to `timeoutMs` of real time. */
async function waitFor(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a cancel while a submission is in flight', () => {
  it.each(['submitService', 'startClients'] as const)(
    'cancelled while %s is in flight: teardown waits for the submission to land',
    async (submitting) => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let submitted = false;
      const teardownSaw: boolean[] = [];
      const fakes = createFakes({
        async [submitting](args: { benchmarkId?: string; ownerId?: string }) {
          await released;
          submitted = true;
          const owner = args.ownerId ?? args.benchmarkId ?? 'unknown';
          return { id: 'job-1', name: `${owner}-${submitting}`, benchmarkId: owner, tasks: 1 };
        },
        async teardown() {
          teardownSaw.push(submitted);
          return { cancelled: submitted ? ['job-1'] : [] };
        },
      });
      const err = await withWorker(dev.env, dev.bundle, fakes.activities, async (w) => {
        const handle = await w.start(recipeWith('cancel-in-flight', [{ duration: '1h' }]));
        await waitFor(() => fakes.callsTo(submitting).length > 0);
        await handle.cancel();
        // A workflow that tears down without waiting does so within milliseconds: give it ample time.
        await waitFor(() => fakes.callsTo('teardown').length > 0, 2000).catch(() => undefined);
        release();
        return failureOf(handle.result());
      });
      expect(err.cause).toBeInstanceOf(CancelledFailure);
      expect(fakes.callsTo(submitting)).toHaveLength(1);
      // Teardown ran once, and only after the job it has to cancel existed.
      expect(teardownSaw).toEqual([true]);
    },
  );
});
