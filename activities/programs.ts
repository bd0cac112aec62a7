/** The built loadgen or simulator that a recipe's jobs get uploaded (scripts/build.ts). */
import { existsSync } from 'node:fs';
import type { JobRuntime } from '../core/jobs';
import { type AifbConfig, paths } from '../core/node/config';
import { jobRuntime, type Recipe } from '../core/recipe';
import { permanent } from './failures';

export function builtProgram(
  config: AifbConfig,
  name: 'loadgen' | 'simulator',
  recipe: Pick<Recipe, 'target'>,
): { runtime: JobRuntime; path: string } {
  const runtime = jobRuntime(recipe);
  // A single executable is this worker's node binary: it runs only where this worker could.
  // Compute nodes are Linux; a worker elsewhere has nothing they can run (uname -m is the user's to match).
  if (runtime === 'sea' && process.platform !== 'linux') {
    throw permanent(
      'BadConfig',
      `target.slurm.runtime sea uploads this worker's node binary (${process.platform}), which Linux compute nodes cannot run: run the worker on Linux or set runtime: node`,
    );
  }
  const path = paths.program(config, name, runtime);
  if (!existsSync(path)) throw permanent('BadConfig', `${path} is missing: run \`npm run build\` first`);
  return { runtime, path };
}
