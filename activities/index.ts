/** All activities of the benchmark and deployment workflows, bound to one worker's context. */
import type { BenchmarkActivities } from '../core/contract';
import { HostKeyError } from '../executors/ssh';
import { clientActivities } from './clients';
import type { ActivityContext } from './context';
import { deploymentActivities } from './deployment';
import { permanent } from './failures';
import { relayActivities } from './relay';
import { resultActivities } from './results';
import { serviceActivities } from './service';
import { teardownActivities } from './teardown';

export { createActivityContext } from './context';

/**
 * Errors no retry can fix, from layers that know nothing of Temporal, become non-retryable
 * failures here: an unknown or changed SSH host key must stop the run at once.
 */
function withPermanentErrors<T extends object>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (err) {
        if (err instanceof HostKeyError) throw permanent('HostKeyRejected', err.message);
        throw err;
      }
    };
  }
  return wrapped as T;
}

export function createActivities(ctx: ActivityContext): BenchmarkActivities {
  return withPermanentErrors({
    ...serviceActivities(ctx),
    ...clientActivities(ctx),
    ...resultActivities(ctx),
    ...relayActivities(ctx),
    ...teardownActivities(ctx),
    ...deploymentActivities(),
  });
}
