/** All activities of a benchmark, bound to one worker's context. */
import type { BenchmarkActivities } from '../core/contract';
import { HostKeyError } from '../executors/ssh';
import { clientActivities } from './clients';
import type { ActivityContext } from './context';
import { permanent } from './failures';
import { withKeepAlive } from './heartbeat';
import { relayActivities } from './relay';
import { resultActivities } from './results';
import { serviceActivities } from './service';
import { teardownActivities } from './teardown';

export { createActivityContext } from './context';

/**
 * Errors no retry can fix, from layers that know nothing of Temporal, become non-retryable
 * failures here: an unknown or changed SSH host key must stop the run at once.
 */
function withPermanentErrors<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      if (err instanceof HostKeyError) throw permanent('HostKeyRejected', err.message);
      throw err;
    }
  };
}

/** Every activity: permanent errors made non-retryable, and a keep-alive heartbeat beside it. */
function wrapAll<T extends object>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = withKeepAlive(withPermanentErrors(fn as (...a: unknown[]) => Promise<unknown>));
  }
  return wrapped as T;
}

export function createActivities(ctx: ActivityContext): BenchmarkActivities {
  return wrapAll({
    ...serviceActivities(ctx),
    ...clientActivities(ctx),
    ...resultActivities(ctx),
    ...relayActivities(ctx),
    ...teardownActivities(ctx),
  });
}
