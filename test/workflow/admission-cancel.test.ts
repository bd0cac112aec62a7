/** Admission control: cancel while queued, on a test server of its own (see admission.test.ts). */
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { admissionTestEnv, callsOf, phasesOf, submitted } from './admission-setup';
import { createFakes } from './fakes';

const adm = admissionTestEnv();

describe('admission control: cancel while queued (time-skipping server)', () => {
  it('a benchmark cancelled while queued ends cancelled having run nothing; the next one takes its turn', async () => {
    const fakes = createFakes();
    await adm.withAdmission(fakes, async ({ start, taskQueue }) => {
      const [a, b, c] = await adm.holderThenQueued(start, ['adm-a', 'adm-b', 'adm-c']);
      await b.cancel();
      const err = await b.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect(await phasesOf(b)).toEqual(['validating', 'queued', 'cancelled']);
      expect(callsOf(fakes, adm.id('adm-b'))).toEqual([]);
      expect(await adm.queuedWaiters(taskQueue)).toEqual([adm.id('adm-c')]);

      await a.result();
      await c.result();
      expect(submitted(fakes)).toEqual([adm.id('adm-a'), adm.id('adm-c')]);
    });
  });
});
