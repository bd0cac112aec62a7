/**
 * Admission control's contract, defined once: the admission workflow's type name and id scheme,
 * its signals and query, the grant a benchmark waits for, and the activities they use. Pure:
 * the workflows import it.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AdmissionState, Claimant, ClaimantRef } from './admission';
import type { Target } from './deployment';

export const ADMISSION_WORKFLOW_TYPE = 'admissionWorkflow';

/**
 * One admission workflow per task queue and target key (core/admission.ts admissionKey): the
 * workers of one queue share a target's places; another queue (a test's) has its own.
 */
export function admissionWorkflowId(taskQueue: string, key: string): string {
  return `aifb-admission/${taskQueue}/${key}`;
}

/** What the admission workflow starts with: its key, and its state after a continue-as-new. */
export interface AdmissionInput {
  key: string;
  state?: AdmissionState;
}

/** A benchmark asks for a place (sent with signalWithStart by the requestAdmission activity). */
export const requestSignal = defineSignal<[claimant: Claimant]>('request');
/** A holder leaves after its teardown, or a waiter withdraws. */
export const releaseSignal = defineSignal<[who: ClaimantRef]>('release');
/** Sent to the benchmark: it may start. */
export const grantSignal = defineSignal('admissionGrant');
/** The admission workflow's holders and queue. */
export const admissionStateQuery = defineQuery<AdmissionState & { key: string }>('admissionState');

/** What a benchmark learns when it asks: where to release, and its limit. */
export interface AdmissionTicket {
  workflowId: string;
  limit: number;
}

export interface AdmissionActivities {
  /**
   * Decides the limit on this worker (core/admission.ts limitFor) and, when there is one,
   * signals-with-start the target's admission workflow. Null: no limit, nothing asked.
   */
  requestAdmission(input: {
    target: Target;
    key: string;
    claimant: Omit<Claimant, 'limit'>;
  }): Promise<AdmissionTicket | null>;
  /**
   * Tells a benchmark it may start (grantSignal). False: its run is gone. An activity, not a
   * workflow's external signal: the time-skipping test server mishandles those.
   */
  grantAdmission(input: { claimant: ClaimantRef }): Promise<boolean>;
  /** Gives a place back (or withdraws from the queue): releaseSignal to the admission workflow. */
  releaseAdmission(input: { admissionWorkflowId: string; who: ClaimantRef }): Promise<void>;
  /** Of these holders, the runs that are no longer running (terminated, timed out, gone). */
  admissionHoldersGone(input: { holders: ClaimantRef[] }): Promise<ClaimantRef[]>;
}

export const ADMISSION_ACTIVITY = {
  requestAdmission: 'requestAdmission',
  grantAdmission: 'grantAdmission',
  releaseAdmission: 'releaseAdmission',
  admissionHoldersGone: 'admissionHoldersGone',
} as const satisfies { [K in keyof AdmissionActivities]-?: K };
