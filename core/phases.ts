/** The benchmark workflow's phases (part of its contract, core/contract.ts). Pure, no imports. */

/** A run's phases in the order it passes them; the last three are where it ends. */
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
] as const;
export type Phase = (typeof PHASES)[number];

/** Phases from which there is nothing left to stop. */
export const FINISHING_PHASES: readonly Phase[] = ['tearing-down', 'done', 'failed', 'cancelled'];
