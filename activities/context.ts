/** What every activity needs from its surroundings; built once per worker. */

import type { Target } from '../core/deployment';
import { type AifbConfig, paths } from '../core/node/config';
import { LocalExecutor } from '../executors/local';
import { SlurmExecutor } from '../executors/slurm';
import { sshConnection } from '../executors/ssh';
import type { Executor } from '../executors/types';

export interface ActivityContext {
  config: AifbConfig;
  /** A recipe, a deployment recipe, or just its target. */
  executorFor(where: { target: Target }): Executor;
  /** The local executor and every Slurm target this worker has connected to so far. */
  knownExecutors(): Executor[];
  /** Releases what the executors hold open (SSH connections): call when the worker stops. */
  close(): Promise<void>;
}

export interface ActivityContextOptions {
  /**
   * Runs every job on this executor whatever the recipe's target says: the orchestration bench
   * and the many-benchmark tests use the in-memory one (executors/memory.ts). Never from a recipe.
   */
  executor?: Executor;
}

export function createActivityContext(
  config: AifbConfig,
  options: ActivityContextOptions = {},
): ActivityContext {
  const only = options.executor;
  if (only) return { config, knownExecutors: () => [only], executorFor: () => only, close: async () => {} };
  const local = new LocalExecutor({ root: paths.jobs(config) });
  const slurm = new Map<string, SlurmExecutor>();
  return {
    config,
    knownExecutors: () => [local, ...slurm.values()],
    executorFor({ target }) {
      switch (target.executor) {
        case 'local':
          return local;
        case 'slurm': {
          // One executor (and SSH connection) per distinct target, shared by all benchmarks.
          const key = JSON.stringify(target.slurm);
          let executor = slurm.get(key);
          if (!executor) {
            const s = target.slurm;
            const ssh = sshConnection(
              {
                host: s.host,
                port: s.port,
                user: s.user,
                identityFile: s.identityFile,
                knownHosts: s.knownHosts,
              },
              { maxSessions: s.maxSessions },
            );
            executor = new SlurmExecutor(ssh, {
              workdir: s.workdir,
              modules: s.modules,
              // Only runtime `node` jobs look for a node; `sea` jobs must not need one.
              ...(s.runtime === 'node' ? { node: s.node } : {}),
              ...(config.slurmJobEnv ? { jobEnv: config.slurmJobEnv } : {}),
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
