/**
 * The start barrier of a stage: every client of the one clients allocation reads the stage's
 * config, says it is ready, and all start together at one instant the worker chose. Pure: the
 * startStage activity decides with it, the loadgen clients read the files it describes.
 */

import type { Recipe } from './recipe';

/** `ready-<s>-<c>.json`: the client has read stage `s` and is idle. */
export interface StageReady {
  clientIndex: number;
  /** The client's wall clock when it got ready (epoch ms). */
  atMs: number;
}

/** `go-<s>.json`: written once; a retried startStage reads it back instead of choosing again. */
export interface StageGo {
  /** When warm-up starts on every client (epoch ms; the cluster's clocks are NTP-synced). */
  startAtMs: number;
  /** The clients that run the stage: those ready at the go. Any other skips it. */
  clients: number[];
  /** Clients that never got ready, with why: reported missing, never merged. */
  missing: { index: number; reason: string }[];
  /** Stage 0 only: from the clients' submission until the barrier opened (queue + start-up). */
  queueWaitMs?: number;
}

/**
 * How far ahead of the decision the start lies: long enough for every client to see the go
 * file. They poll it each 100 ms; over a cluster's shared filesystem it may take a moment to
 * appear, on the worker's own disk it is there at once. Each stage waits this long.
 */
export function startDelayMs(recipe: Pick<Recipe, 'target'>): number {
  return recipe.target.executor === 'slurm' ? 2000 : 500;
}

/** Local tasks start at once: this only bounds a client that hangs before it is ready. */
const LOCAL_START_BOUND_MS = 120_000;

/**
 * The stragglers' bound: Slurm's `maxPending` (a task of the array still queued that long while
 * others run is as late as a job the executor gives up on), else two minutes.
 */
export function startBoundMs(recipe: Recipe): number {
  return recipe.target.executor === 'slurm' ? recipe.target.slurm.maxPending : LOCAL_START_BOUND_MS;
}

/** What the barrier knows of one client. */
export interface ClientState {
  index: number;
  ready: boolean;
  /** Its task has ended (crashed, cancelled): it will never be ready. The task's state. */
  ended?: string;
}

export interface BarrierInput {
  clients: ClientState[];
  nowMs: number;
  /** When the first client got ready; null while none is (the allocation is queued or starting). */
  firstReadyAtMs: number | null;
  /** When this barrier started waiting. */
  waitingSinceMs: number;
  /** The allocation is still queued as a whole: queue time, which no bound here cuts short. */
  pending: boolean;
  /**
   * How long the stragglers get once one client runs (array tasks may start apart), and how long
   * a running allocation may stay without any ready client.
   */
  boundMs: number;
  /** startDelayMs of the recipe. */
  startDelayMs: number;
}

export type BarrierDecision = { kind: 'wait' } | ({ kind: 'go' } & StageGo);

/**
 * Opens when every client is ready or gone; else when the stragglers' bound has passed (they are
 * reported missing). A queued allocation is waited for: the executor's own pending bound (Slurm
 * `maxPending`) fails the job, and then every client is gone.
 */
export function barrierDecision(input: BarrierInput): BarrierDecision {
  const { clients, nowMs, firstReadyAtMs, waitingSinceMs, pending, boundMs, startDelayMs } = input;
  const settled = clients.every((c) => c.ready || c.ended !== undefined);
  const timedOut =
    firstReadyAtMs !== null
      ? nowMs - firstReadyAtMs >= boundMs
      : !pending && nowMs - waitingSinceMs >= boundMs;
  if (!settled && !timedOut) return { kind: 'wait' };
  const missing = clients
    .filter((c) => !c.ready)
    .map((c) => ({
      index: c.index,
      reason:
        c.ended !== undefined
          ? `its task ended (${c.ended}) before the stage started`
          : `not ready within ${Math.round(boundMs / 1000)} s of ${firstReadyAtMs !== null ? 'the first client' : 'the allocation running'}: not merged`,
    }));
  return {
    kind: 'go',
    startAtMs: nowMs + startDelayMs,
    clients: clients.filter((c) => c.ready).map((c) => c.index),
    missing,
  };
}
