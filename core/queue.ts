/**
 * Queue-aware clocks: time a job spends waiting in the scheduler's queue is not the service's
 * time. A job may pend up to `maxPending` (then the executor cancels it with Slurm's reason);
 * its health wait counts from the moment it runs. Pure: the workflows import it.
 */
import type { Recipe } from './recipe';

/** How long a job of this target may wait in the queue (local jobs start at once). */
export function maxPendingMs(recipe: Pick<Recipe, 'target'>): number {
  return recipe.target.executor === 'slurm' ? recipe.target.slurm.maxPending : 60_000;
}

/** The health activity's whole budget: the queue, then the health timeout, then slack. */
export function healthBudgetMs(recipe: Pick<Recipe, 'target'>, healthTimeoutMs: number): number {
  return maxPendingMs(recipe) + healthTimeoutMs + 120_000;
}
