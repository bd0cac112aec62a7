import { Context } from '@temporalio/activity';
import type { TeardownInput } from '../core/contract';
import type { ActivityContext } from './context';

export function teardownActivities(ctx: ActivityContext) {
  return {
    /**
     * Cancels every job the owner (a benchmark, or a deployment's run) ever submitted and returns
     * once none is alive. Logs and results stay. A benchmark never owns its deployment's job.
     */
    async teardown({ ownerId, target }: TeardownInput): Promise<{ cancelled: string[] }> {
      const cancelled = await ctx.executorFor({ target }).cancelAll(ownerId);
      Context.current().log.info('teardown done', { ownerId, cancelled });
      return { cancelled };
    },
  };
}
