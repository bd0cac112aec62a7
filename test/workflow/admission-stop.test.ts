/** Admission control: stop while queued, on a test server of its own (see admission.test.ts). */
import { describe, expect, it } from 'vitest';
import { stopUpdate } from '../../core/contract';
import { admissionTestEnv, callsOf, phasesOf } from './admission-setup';
import { createFakes } from './fakes';

const adm = admissionTestEnv();

describe('admission control: stop while queued (time-skipping server)', () => {
  it('a benchmark stopped while queued ends stopped, with no stages and no jobs', async () => {
    const fakes = createFakes();
    await adm.withAdmission(fakes, async ({ start, taskQueue }) => {
      const [a, b] = await adm.holderThenQueued(start, ['adm-a', 'adm-b']);
      const ack = await b.executeUpdate(stopUpdate, { args: ['not today'] });
      expect(ack.phase).toBe('queued');
      const summary = await b.result();
      expect(summary.status).toBe('stopped');
      expect(summary.stages).toEqual([]);
      expect(await phasesOf(b)).toEqual(['validating', 'queued', 'done']);
      expect(callsOf(fakes, adm.id('adm-b')).map((c) => c.name)).toEqual(['writeResults']);
      expect(await adm.queuedWaiters(taskQueue)).toEqual([]);
      await a.result();
    });
  });
});
