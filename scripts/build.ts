/**
 * Builds the single-file bundles that jobs run: dist/loadgen.mjs (client jobs) and
 * dist/simulator.mjs (the simulator service). Jobs on a cluster get these files uploaded,
 * so they must not depend on node_modules.
 */
import { mkdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { loadgenBuildOptions } from '../loadgen/bundle';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const entries = {
  loadgen: fileURLToPath(new URL('../loadgen/main.ts', import.meta.url)),
  simulator: fileURLToPath(new URL('../simulator/main.ts', import.meta.url)),
};

await mkdir(dist, { recursive: true });
for (const [name, entry] of Object.entries(entries)) {
  const outfile = `${dist}${name}.mjs`;
  await build({ ...loadgenBuildOptions, entryPoints: [entry], outfile });
  console.log(`built ${outfile} (${Math.round((await stat(outfile)).size / 1024)} KiB)`);
}
