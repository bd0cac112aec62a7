import { describe, expect, it } from 'vitest';
import { admissionStateQuery, admissionWorkflowId } from '../../core/admission-contract';
import { admissionTestEnv, oneAtATime, submitted } from './admission-setup';
import { createFakes } from './fakes';
import { waitForStatus } from './harness';

const adm = admissionTestEnv();

describe('admission control: a terminated holder (time-skipping server)', () => {
  it("a terminated holder's place is reclaimed by the liveness check", async () => {
    const fakes = createFakes();
    await adm.withAdmission(fakes, async ({ start, taskQueue }) => {
      const a = await start(oneAtATime('adm-a'), adm.id('adm-a'));
      await waitForStatus(a, (s) => s.phase === 'loading');
      const b = await start(oneAtATime('adm-b'), adm.id('adm-b'));
      await waitForStatus(b, (s) => s.phase === 'queued');
      await a.terminate('gone without teardown');
      // Nobody releases a's place: only the periodic check of holders can (time skips to it).
      const summary = await b.result();
      expect(summary.status).toBe('completed');
      expect(submitted(fakes)).toEqual([adm.id('adm-a'), adm.id('adm-b')]);
      const state = await adm
        .env()
        .client.workflow.getHandle(admissionWorkflowId(taskQueue, 'local'))
        .query(admissionStateQuery);
      expect(state.holders).toEqual([]);
    });
  });
});
