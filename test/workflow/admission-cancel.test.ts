/** Admission control: cancel while queued, on a test server of its own (see admission.test.ts). */
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { admissionTestEnv, callsOf, oneAtATime, phasesOf, submitted } from './admission-setup';
import { createFakes } from './fakes';
import { waitForStatus } from './harness';

const adm = admissionTestEnv();

describe('admission control: cancel while queued (time-skipping server)', () => {
  it('a benchmark cancelled while queued ends cancelled having run nothing; the next one takes its turn', async () => {
    const fakes = createFakes();
    await adm.withAdmission(fakes, async ({ start, taskQueue }) => {
      const a = await start(oneAtATime('adm-a'), adm.id('adm-a'));
      await waitForStatus(a, (s) => s.phase === 'loading');
      const b = await start(oneAtATime('adm-b'), adm.id('adm-b'));
      const c = await start(oneAtATime('adm-c'), adm.id('adm-c'));
      await waitForStatus(c, (s) => s.phase === 'queued');
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
