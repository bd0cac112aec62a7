/** The built loadgen or simulator that a recipe's jobs get uploaded (scripts/build.ts). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { JobRuntime } from '../core/jobs';
import { type AifbConfig, paths } from '../core/node/config';
import type { Recipe } from '../core/recipe';
import { jobRuntime } from '../core/recipe-read';
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
  const newer = newerSource(join(config.distDir, `${name}.sources.json`), statSync(path).mtimeMs);
  if (newer)
    throw permanent(
      'BadConfig',
      `${path} is older than ${newer}, which it was built from: run \`npm run build\``,
    );
  return { runtime, path };
}

/**
 * A source of the bundle changed after it was built (a checkout without a rebuild): jobs would
 * run old code against a newer worker. Only where the sources are (a deployed image has none).
 */
function newerSource(listFile: string, builtMs: number): string | undefined {
  if (!existsSync(listFile)) return undefined;
  const sources = JSON.parse(readFileSync(listFile, 'utf8')) as string[];
  // esbuild names inputs relative to the working directory of the build: the repository root.
  const root = resolve(dirname(listFile), '..');
  return sources.find((file) => {
    try {
      return statSync(join(root, file)).mtimeMs > builtMs;
    } catch {
      return false;
    }
  });
}
