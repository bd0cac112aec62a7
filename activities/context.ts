/** What every activity needs from its surroundings; built once per worker. */

import { type AifbConfig, paths } from '../core/config';
import type { Recipe } from '../core/recipe';
import { LocalExecutor } from '../executors/local';
import type { Executor } from '../executors/types';

export interface ActivityContext {
  config: AifbConfig;
  executorFor(recipe: Recipe): Executor;
}

export function createActivityContext(config: AifbConfig): ActivityContext {
  const local = new LocalExecutor({ root: paths.jobs(config) });
  return {
    config,
    executorFor(recipe) {
      switch (recipe.target.executor) {
        case 'local':
          return local;
      }
    },
  };
}

/** Job names carry the benchmark id and the step: the key for idempotent submission. */
export const jobNames = {
  service: (benchmarkId: string) => `${benchmarkId}-service`,
  clients: (benchmarkId: string, stageIndex: number) => `${benchmarkId}-s${stageIndex}-clients`,
};

/** `service`, `s0-clients-1`: the job name without the benchmark prefix, plus the task. */
export function componentName(benchmarkId: string, jobName: string, task: number, tasks: number): string {
  const base = jobName.startsWith(`${benchmarkId}-`) ? jobName.slice(benchmarkId.length + 1) : jobName;
  return tasks > 1 || base.endsWith('-clients') ? `${base}-${task}` : base;
}
