/**
 * Admission control's decisions (README "Admission control"): which target a benchmark counts
 * against, what limit applies, and the queue of one target: submission order, grants, releases.
 * Pure, no I/O: the admission workflow (workflows/admission.ts) holds the state and acts on it.
 */
import type { Target } from './deployment';
import type { Recipe } from './recipe';
import { clientsPlacement } from './recipe-read';

/** One benchmark run asking for (or holding) a place. */
export interface Claimant {
  workflowId: string;
  /** A rerun under the same workflow id is another claimant. */
  runId: string;
  /** Its workflow's start time (epoch ms): the queue's order, then workflowId. */
  startedAtMs: number;
  /** The most benchmarks it runs beside on its target, itself included. */
  limit: number;
}

/** Who a grant or release is for. */
export type ClaimantRef = Pick<Claimant, 'workflowId' | 'runId'>;

export interface AdmissionState {
  /** Running on the target, in the order they were granted. */
  holders: Claimant[];
  /** Queued, in submission order. */
  waiters: Claimant[];
}

export const EMPTY_ADMISSION: AdmissionState = { holders: [], waiters: [] };

const same = (a: ClaimantRef) => (b: ClaimantRef) => a.workflowId === b.workflowId && a.runId === b.runId;

function before(a: Claimant, b: Claimant): boolean {
  if (a.startedAtMs !== b.startedAtMs) return a.startedAtMs < b.startedAtMs;
  if (a.workflowId !== b.workflowId) return a.workflowId < b.workflowId;
  return a.runId < b.runId;
}

/**
 * The target key a benchmark counts against: `local`, or the Slurm login (user@host:port) with
 * the account and partition its jobs run under. A benchmark naming a deployment runs only its
 * clients, so it counts against their placement (target.slurm.clients over target.slurm).
 */
export function admissionKey(recipe: Pick<Recipe, 'target' | 'service'>): string {
  const target = recipe.target;
  if (target.executor !== 'slurm') return target.executor;
  const s = target.slurm;
  const placement =
    recipe.service.kind === 'deployment'
      ? (clientsPlacement(recipe) ?? {})
      : { account: s.account, partition: s.partition };
  return `slurm:${s.user}@${s.host}:${s.port}/${placement.account ?? '-'}/${placement.partition ?? '-'}`;
}

/**
 * Whether the workflow must ask at all. A Slurm target without `maxRunning` has no limit, which
 * the workflow knows without asking (no history events); a local one has the worker's default.
 */
export function mayBeLimited(target: Target): boolean {
  return target.maxRunning !== undefined || target.executor === 'local';
}

/** The limit for a target: the recipe's `maxRunning`, else the site's default for local (null: none). */
export function limitFor(target: Target, site: { maxRunningLocal: number | null }): number | null {
  if (target.maxRunning !== undefined) return target.maxRunning;
  return target.executor === 'local' ? site.maxRunningLocal : null;
}

/**
 * A request joins the queue in submission order. A request of a holder (a retried request
 * whose grant it may not have seen) is granted again; one already queued changes nothing.
 */
export function enqueue(
  state: AdmissionState,
  claimant: Claimant,
): { state: AdmissionState; regrant: boolean } {
  if (state.holders.some(same(claimant))) return { state, regrant: true };
  if (state.waiters.some(same(claimant))) return { state, regrant: false };
  const waiters = [...state.waiters];
  let at = waiters.length;
  while (at > 0 && before(claimant, waiters[at - 1]!)) at--;
  waiters.splice(at, 0, claimant);
  return { state: { holders: state.holders, waiters }, regrant: false };
}

/** A holder leaves (its run ended, or is gone) or a waiter withdraws (cancelled, stopped). Unknown: no change. */
export function release(state: AdmissionState, who: ClaimantRef): AdmissionState {
  const gone = same(who);
  if (!state.holders.some(gone) && !state.waiters.some(gone)) return state;
  return {
    holders: state.holders.filter((c) => !gone(c)),
    waiters: state.waiters.filter((c) => !gone(c)),
  };
}

/**
 * Grants places in order: the first waiter starts while fewer than its limit hold one. Strictly
 * first come first served: a waiter never overtakes an earlier one, whatever their limits.
 */
export function grantNext(state: AdmissionState): { state: AdmissionState; granted: Claimant[] } {
  const holders = [...state.holders];
  const waiters = [...state.waiters];
  const granted: Claimant[] = [];
  while (waiters.length > 0 && holders.length < waiters[0]!.limit) {
    const next = waiters.shift()!;
    holders.push(next);
    granted.push(next);
  }
  return granted.length === 0 ? { state, granted } : { state: { holders, waiters }, granted };
}

/** Where a run stands: `running`, or its place in the queue (1 = next), or unknown to this target. */
export function standing(
  state: AdmissionState,
  workflowId: string,
): { running: true } | { running: false; position: number; queued: number } | null {
  if (state.holders.some((c) => c.workflowId === workflowId)) return { running: true };
  const index = state.waiters.findIndex((c) => c.workflowId === workflowId);
  return index < 0 ? null : { running: false, position: index + 1, queued: state.waiters.length };
}
