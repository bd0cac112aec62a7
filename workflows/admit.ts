/**
 * The benchmark's side of admission control (README "Admission control"): ask the target's
 * admission workflow for a place, wait `queued` until it grants one, release it after teardown.
 * A target without a limit costs nothing: no activity, no signal, no phase.
 */
import {
  CancellationScope,
  condition,
  isCancellation,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { admissionKey, mayBeLimited } from '../core/admission';
import { type AdmissionActivities, grantSignal } from '../core/admission-contract';
import type { BenchmarkStatus, Phase } from '../core/contract';
import type { Recipe } from '../core/recipe';

// Local activities: one marker event each instead of three, and they only send a signal.
const { requestAdmission, releaseAdmission } = proxyLocalActivities<AdmissionActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

export interface Place {
  /** Gives the place back; never throws, never cancelled. A no-op without a limit. */
  release(): Promise<void>;
}

const NO_PLACE: Place = { release: async () => undefined };

/**
 * Waits for a place on the recipe's target. Null: a stop came while it was queued (it gave up
 * its turn). Cancelled while queued, it gives up its turn, enters `cancelled` and rethrows.
 */
export async function takePlace(
  recipe: Pick<Recipe, 'target' | 'service'>,
  state: BenchmarkStatus,
  enter: (phase: Phase) => void,
): Promise<Place | null> {
  if (!mayBeLimited(recipe.target)) return NO_PLACE;
  let granted = false;
  setHandler(grantSignal, () => {
    granted = true;
  });
  const info = workflowInfo();
  const me = { workflowId: info.workflowId, runId: info.runId };
  // Not cancellable: once asked, the request is in, so a withdrawal always comes after it.
  const ticket = await CancellationScope.nonCancellable(() =>
    requestAdmission({
      target: recipe.target,
      key: admissionKey(recipe),
      claimant: { ...me, startedAtMs: info.startTime.getTime() },
    }),
  );
  if (!ticket) return NO_PLACE;
  state.admission = { workflowId: ticket.workflowId, limit: ticket.limit };
  const place: Place = {
    release: () =>
      CancellationScope.nonCancellable(() =>
        releaseAdmission({ admissionWorkflowId: ticket.workflowId, who: me }),
      ).catch(() => undefined),
  };
  if (!granted) {
    enter('queued');
    try {
      await condition(() => granted || state.stopRequested);
    } catch (err) {
      await place.release();
      if (isCancellation(err)) enter('cancelled');
      throw err;
    }
  }
  if (!state.stopRequested) return place;
  await place.release();
  return null;
}
