/** All activities of a benchmark, bound to one worker's context. */
import type { BenchmarkActivities } from '../core/benchmark';
import { clientActivities } from './clients';
import type { ActivityContext } from './context';
import { relayActivities } from './relay';
import { resultActivities } from './results';
import { serviceActivities } from './service';
import { teardownActivities } from './teardown';

export { createActivityContext } from './context';

export function createActivities(ctx: ActivityContext): BenchmarkActivities {
  return {
    ...serviceActivities(ctx),
    ...clientActivities(ctx),
    ...resultActivities(ctx),
    ...relayActivities(ctx),
    ...teardownActivities(ctx),
  };
}
