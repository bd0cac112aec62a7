/**
 * Admission control on the time-skipping server: the real benchmark and admission workflows,
 * the real admission activities (they only talk to Temporal), fake executor activities. The
 * cancel and stop cases have files of their own: on one test server with other admission tests
 * they hung now and then (time not skipping; cause not found), alone they pass.
 */
import { describe, expect, it } from 'vitest';
import { admissionWorkflowId } from '../../core/admission-contract';
import { admissionTestEnv, owner, phasesOf, submitted } from './admission-setup';
import { createFakes, recipeWith } from './fakes';
import { waitForStatus } from './harness';

const adm = admissionTestEnv();

describe('admission control (time-skipping server)', () => {
  it('runs one at a time in submission order; the others wait queued, with their place in line', async () => {
    const fakes = createFakes();
    await adm.withAdmission(fakes, async ({ start, taskQueue }) => {
      const [a, b, c] = await adm.holderThenQueued(start, ['adm-a', 'adm-b', 'adm-c']);
      const queuedB = await waitForStatus(b, (s) => s.phase === 'queued');
      expect(queuedB.admission).toMatchObject({
        workflowId: admissionWorkflowId(taskQueue, 'local'),
        limit: 1,
      });
      expect(await adm.queuedWaiters(taskQueue)).toEqual([adm.id('adm-b'), adm.id('adm-c')]);
      expect(submitted(fakes)).toEqual([adm.id('adm-a')]);

      // One result at a time: each unlocks time skipping, and the test server counts the locks.
      for (const h of [a, b, c]) await h.result();
      expect(submitted(fakes)).toEqual([adm.id('adm-a'), adm.id('adm-b'), adm.id('adm-c')]);
      // Never two at once: each deploys only after the one before it was torn down.
      const at = (name: 'submitService' | 'teardown', id: string) =>
        fakes.callsTo(name).find((call) => owner(call) === id)!.seq;
      expect(at('submitService', adm.id('adm-b'))).toBeGreaterThan(at('teardown', adm.id('adm-a')));
      expect(at('submitService', adm.id('adm-c'))).toBeGreaterThan(at('teardown', adm.id('adm-b')));
      expect(await phasesOf(b)).toEqual([
        'validating',
        'queued',
        'deploying',
        'waiting-for-health',
        'loading',
        'collecting',
        'tearing-down',
        'done',
      ]);
    });
  });

  it('a target without a limit skips admission: no queued phase, no admission workflow', async () => {
    const fakes = createFakes();
    await adm.withAdmission(fakes, async ({ start, taskQueue }) => {
      const input = recipeWith('adm-free', [{ name: 's', duration: '1m' }]);
      const a = await start(input, adm.id('adm-free'));
      await a.result();
      expect(await phasesOf(a)).not.toContain('queued');
      await expect(
        adm.env().client.workflow.getHandle(admissionWorkflowId(taskQueue, 'local')).describe(),
      ).rejects.toThrow();
    });
  });
});
