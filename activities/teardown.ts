import { Context } from '@temporalio/activity';
import type { BenchInput } from '../core/contract';
import type { ActivityContext } from './context';

export function teardownActivities(ctx: ActivityContext) {
  return {
    /** Cancels every job the benchmark ever submitted and returns once none is alive. Logs and results stay. */
    async teardown({ benchmarkId, recipe }: BenchInput): Promise<{ cancelled: string[] }> {
      const cancelled = await ctx.executorFor(recipe).cancelAll(benchmarkId);
      Context.current().log.info('teardown done', { benchmarkId, cancelled });
      return { cancelled };
    },
  };
}
