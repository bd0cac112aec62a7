/** What every activity needs from its surroundings; built once per worker. */

import { type AifbConfig, paths } from '../core/config';
import type { Recipe } from '../core/recipe';
import { LocalExecutor } from '../executors/local';
import { SlurmExecutor } from '../executors/slurm';
import { sshConnection } from '../executors/ssh';
import type { Executor } from '../executors/types';

export interface ActivityContext {
  config: AifbConfig;
  executorFor(recipe: Recipe): Executor;
  /** Releases what the executors hold open (SSH connections): call when the worker stops. */
  close(): Promise<void>;
}

export function createActivityContext(config: AifbConfig): ActivityContext {
  const local = new LocalExecutor({ root: paths.jobs(config) });
  const slurm = new Map<string, SlurmExecutor>();
  return {
    config,
    executorFor(recipe) {
      const { target } = recipe;
      switch (target.executor) {
        case 'local':
          return local;
        case 'slurm': {
          // One executor (and SSH connection) per distinct target, shared by all benchmarks.
          const key = JSON.stringify(target.slurm);
          let executor = slurm.get(key);
          if (!executor) {
            const s = target.slurm;
            const ssh = sshConnection({
              host: s.host,
              port: s.port,
              user: s.user,
              identityFile: s.identityFile,
              knownHosts: s.knownHosts,
            });
            executor = new SlurmExecutor(ssh, {
              workdir: s.workdir,
              modules: s.modules,
              node: s.node,
              maxPendingMs: s.maxPending,
              ...(s.account ? { account: s.account } : {}),
              ...(s.partition ? { partition: s.partition } : {}),
              ...(s.qos ? { qos: s.qos } : {}),
            });
            slurm.set(key, executor);
          }
          return executor;
        }
      }
    },
    async close() {
      await Promise.all([...slurm.values()].map((executor) => executor.close()));
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
