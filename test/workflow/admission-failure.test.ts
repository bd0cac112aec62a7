/**
 * Admission control on the time-skipping server: a benchmark that fails releases its place. In a
 * file of its own, on a server of its own (see admission-reclaim.test.ts).
 */
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { admissionTestEnv, oneAtATime, submitted } from './admission-setup';
import { createFakes } from './fakes';
import { waitForStatus } from './harness';

const adm = admissionTestEnv();

describe('admission control: a failed holder (time-skipping server)', () => {
  it('a benchmark that fails releases its place: the queued one runs', async () => {
    const fakes = createFakes({
      async submitService(input) {
        if (input.ownerId === adm.id('adm-a')) {
          // Held a moment so that b is queued behind a when a fails.
          await new Promise((resolve) => setTimeout(resolve, 1500));
          throw ApplicationFailure.create({ type: 'ServiceFailed', message: 'boom', nonRetryable: true });
        }
        return { name: `job-${input.ownerId}`, executor: 'local', id: '1', step: 'service' } as never;
      },
    });
    await adm.withAdmission(fakes, async ({ start }) => {
      const a = await start(oneAtATime('adm-a'), adm.id('adm-a'));
      await waitForStatus(a, (s) => s.phase === 'deploying');
      const b = await start(oneAtATime('adm-b'), adm.id('adm-b'));
      await waitForStatus(b, (s) => s.phase === 'queued');
      await expect(a.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      const summary = await b.result();
      expect(summary.status).toBe('completed');
      expect(submitted(fakes)).toEqual([adm.id('adm-a'), adm.id('adm-b')]);
    });
  });
});
