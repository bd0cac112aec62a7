/**
 * One target's places (README "Admission control"): a semaphore as a workflow, after
 * temporalio/samples-typescript's mutex. Benchmarks ask with a signal (signalWithStart, from the
 * requestAdmission activity), are granted in submission order by a signal back, and release
 * after their teardown. A holder that ended without releasing (terminated) is found by a
 * periodic liveness check; a waiter that is gone when its turn comes fails the grant and is
 * dropped. Continues as new to keep its history bounded; ends when idle. Deterministic: the
 * decisions are core/admission.ts's.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type AdmissionState,
  type Claimant,
  type ClaimantRef,
  EMPTY_ADMISSION,
  enqueue,
  grantNext,
  release,
} from '../core/admission';
import {
  type AdmissionActivities,
  type AdmissionInput,
  admissionStateQuery,
  releaseSignal,
  requestSignal,
} from '../core/admission-contract';

/** How often holders are checked for life: the longest a terminated run keeps its place. */
export const HOLDER_CHECK_MS = 60_000;
/** An admission workflow with nobody holding or queued ends after this long. */
export const IDLE_END_MS = 10 * 60_000;
/** Continue-as-new well before Temporal's 10,240-event warning: a benchmark costs ~15 events here. */
const HISTORY_EVENTS_BEFORE_CONTINUE = 3000;

const { admissionHoldersGone, grantAdmission } = proxyActivities<AdmissionActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

export async function admissionWorkflow(input: AdmissionInput): Promise<void> {
  let state: AdmissionState = input.state ?? EMPTY_ADMISSION;
  let changed = true;
  const regrants: Claimant[] = [];
  setHandler(requestSignal, (claimant) => {
    const asked = enqueue(state, claimant);
    state = asked.state;
    if (asked.regrant) regrants.push(claimant);
    changed = true;
  });
  setHandler(releaseSignal, (who) => {
    state = release(state, who);
    changed = true;
  });
  setHandler(admissionStateQuery, () => ({ key: input.key, ...state }));

  // A grant to a run that is gone fails: its place is freed at once.
  const inFlight = new Set<Promise<void>>();
  const grant = (claimant: Claimant) => {
    const sent = grantAdmission({ claimant: { workflowId: claimant.workflowId, runId: claimant.runId } })
      // Failed after its retries: the liveness check decides whether it still runs.
      .catch(() => true)
      .then((reached) => {
        if (reached) return;
        state = release(state, claimant);
        changed = true;
      })
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  };

  let checkDue = false;
  let checkTimer: Promise<void> | null = null;
  for (;;) {
    if (changed) {
      changed = false;
      const next = grantNext(state);
      state = next.state;
      for (const claimant of [...regrants.splice(0), ...next.granted]) grant(claimant);
    }
    if (checkDue) {
      checkDue = false;
      const holders: ClaimantRef[] = state.holders.map(({ workflowId, runId }) => ({ workflowId, runId }));
      const gone = holders.length > 0 ? await admissionHoldersGone({ holders }).catch(() => []) : [];
      for (const who of gone) state = release(state, who);
      if (gone.length > 0) changed = true;
      continue;
    }
    if (state.holders.length === 0 && state.waiters.length === 0) {
      // Nobody holds or waits: end when nobody asks for a while (a new request starts a new run).
      if (!(await condition(() => changed, IDLE_END_MS))) {
        await Promise.all(inFlight);
        await condition(allHandlersFinished);
        if (!changed) return;
      }
      continue;
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > HISTORY_EVENTS_BEFORE_CONTINUE) {
      await Promise.all(inFlight);
      await condition(allHandlersFinished);
      // Requests and releases that came meanwhile are in `state`: nothing is lost.
      await continueAsNew<typeof admissionWorkflow>({ key: input.key, state });
    }
    // One timer per check period, not one per wake-up: a busy queue costs few events.
    if (state.holders.length > 0 && !checkTimer) {
      checkTimer = sleep(HOLDER_CHECK_MS).then(() => {
        checkTimer = null;
        checkDue = true;
      });
    }
    await condition(() => changed || checkDue);
  }
}
