/**
 * Builds what jobs run: the single-file bundles dist/loadgen.mjs (client jobs) and
 * dist/simulator.mjs (the simulator service) for `runtime: node`, and the single executables
 * dist/aifb-loadgen and dist/aifb-simulator for `runtime: sea` (scripts/sea.ts). Jobs on a
 * cluster get these files uploaded, so they must not depend on node_modules.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { loadgenBuildOptions } from '../loadgen/bundle';
import { buildSea } from './sea';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const entries = {
  loadgen: fileURLToPath(new URL('../loadgen/main.ts', import.meta.url)),
  simulator: fileURLToPath(new URL('../simulator/main.ts', import.meta.url)),
};
const kib = async (path: string) => `${Math.round((await stat(path)).size / 1024)} KiB`;

await mkdir(dist, { recursive: true });
for (const [name, entry] of Object.entries(entries)) {
  const outfile = `${dist}${name}.mjs`;
  const { metafile } = await build({ ...loadgenBuildOptions, entryPoints: [entry], outfile, metafile: true });
  // The project's own sources in the bundle: a worker refuses a bundle older than one of them.
  const sources = Object.keys(metafile.inputs).filter((f) => !f.includes('node_modules/'));
  await writeFile(`${dist}${name}.sources.json`, `${JSON.stringify(sources, null, 1)}\n`);
  console.log(`built ${outfile} (${await kib(outfile)})`);
}
for (const [name, entry] of Object.entries(entries)) {
  const started = Date.now();
  const rebuilt = await buildSea(dist, name, entry);
  const took = rebuilt ? `built in ${((Date.now() - started) / 1000).toFixed(1)}s` : 'up to date';
  console.log(`${took}: ${dist}aifb-${name} (${await kib(`${dist}aifb-${name}`)})`);
}
