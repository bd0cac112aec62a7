/**
 * Where aifb keeps things on the machine running the worker/CLI. Environment variables
 * override; defaults keep everything inside the checkout (git-ignored data/ and dist/).
 */
import { join, resolve } from 'node:path';
import { TASK_QUEUE } from './benchmark';

export const repoRoot = resolve(import.meta.dirname, '..');

export interface AifbConfig {
  /** Results, logs, local jobs and the embedded Temporal database live here. */
  dataDir: string;
  /** Built bundles (loadgen.mjs, simulator.mjs) uploaded into jobs. */
  distDir: string;
  taskQueue: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AifbConfig {
  return {
    dataDir: resolve(env.AIFB_DATA_DIR ?? join(repoRoot, 'data')),
    distDir: resolve(env.AIFB_DIST_DIR ?? join(repoRoot, 'dist')),
    taskQueue: env.AIFB_TASK_QUEUE ?? TASK_QUEUE,
  };
}

export const paths = {
  jobs: (c: AifbConfig) => join(c.dataDir, 'jobs'),
  results: (c: AifbConfig, benchmarkId: string) => join(c.dataDir, 'results', benchmarkId),
  logs: (c: AifbConfig, benchmarkId: string) => join(c.dataDir, 'logs', benchmarkId),
  bundle: (c: AifbConfig, name: 'loadgen' | 'simulator') => join(c.distDir, `${name}.mjs`),
};
