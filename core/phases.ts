/** The benchmark workflow's phases (part of its contract, core/contract.ts). Pure, no imports. */

/**
 * A run's phases. Their index is their code in the Grafana status metrics: a new phase goes
 * at the end (pulling-image comes before deploying in a run).
 */
export const PHASES = [
  'validating',
  'deploying',
  'waiting-for-health',
  'loading',
  'collecting',
  'tearing-down',
  'done',
  'failed',
  'cancelled',
  'pulling-image',
  // Waiting for a place on its target (admission control): comes first, right after validating.
  'queued',
] as const;
export type Phase = (typeof PHASES)[number];

/** Phases from which there is nothing left to stop. */
export const FINISHING_PHASES: readonly Phase[] = ['tearing-down', 'done', 'failed', 'cancelled'];
