/**
 * Admission control's activities (README "Admission control"): asking a target's admission
 * workflow for a place, and the liveness check of its holders. Both talk to Temporal through
 * the client the worker gives every activity.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { type ClaimantRef, limitFor } from '../core/admission';
import {
  ADMISSION_WORKFLOW_TYPE,
  type AdmissionActivities,
  type AdmissionInput,
  admissionWorkflowId,
  grantSignal,
  releaseSignal,
  requestSignal,
} from '../core/admission-contract';
import type { AifbConfig } from '../core/node/config';

/** Describes at most this many holders at once. */
const DESCRIBE_CONCURRENCY = 16;

export function admissionActivities(config: Pick<AifbConfig, 'maxRunningLocal'>): AdmissionActivities {
  return {
    async requestAdmission({ target, key, claimant }) {
      // The site default is this worker's: a config built without one (tests) has no local limit.
      const limit = limitFor(target, { maxRunningLocal: config.maxRunningLocal ?? null });
      if (limit === null) return null;
      const { client, info } = Context.current();
      const workflowId = admissionWorkflowId(info.taskQueue, key);
      const input: AdmissionInput = { key };
      // Starts the target's admission workflow if none runs; a retry asks again, which is harmless.
      await client.workflow.signalWithStart(ADMISSION_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: info.taskQueue,
        args: [input],
        signal: requestSignal,
        signalArgs: [{ ...claimant, limit }],
      });
      return { workflowId, limit };
    },

    async grantAdmission({ claimant }) {
      try {
        await Context.current()
          .client.workflow.getHandle(claimant.workflowId, claimant.runId)
          .signal(grantSignal);
        return true;
      } catch (err) {
        // Ended, or never there: its place goes to the next one.
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },

    async releaseAdmission({ admissionWorkflowId, who }) {
      try {
        await Context.current().client.workflow.getHandle(admissionWorkflowId).signal(releaseSignal, who);
      } catch (err) {
        // No admission workflow runs: nobody holds a place there, nothing to give back.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },

    async admissionHoldersGone({ holders }) {
      const { client } = Context.current();
      const gone: ClaimantRef[] = [];
      const queue = [...holders];
      const check = async () => {
        for (let who = queue.shift(); who; who = queue.shift()) {
          try {
            const described = await client.workflow.getHandle(who.workflowId, who.runId).describe();
            if (described.status.name !== 'RUNNING') gone.push(who);
          } catch (err) {
            if (err instanceof WorkflowNotFoundError) gone.push(who);
            else throw err;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, holders.length) }, check));
      return gone;
    },
  };
}
