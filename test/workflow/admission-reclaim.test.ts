import { describe, expect, it } from 'vitest';
import { admissionStateQuery, admissionWorkflowId } from '../../core/admission-contract';
import { admissionTestEnv, submitted } from './admission-setup';
import { createFakes } from './fakes';

const adm = admissionTestEnv();

describe('admission control: a terminated holder (time-skipping server)', () => {
  it("a terminated holder's place is reclaimed by the liveness check", async () => {
    const fakes = createFakes();
    await adm.withAdmission(fakes, async ({ start, taskQueue }) => {
      const [a, b] = await adm.holderThenQueued(start, ['adm-a', 'adm-b']);
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
