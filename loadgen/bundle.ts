/**
 * How loadgen is bundled into the single file that client jobs run (`dist/loadgen.mjs`).
 * Build scripts and tests import these options so there is one definition.
 *
 * CLI equivalent:
 *   npx esbuild loadgen/main.ts --bundle --platform=node --format=esm --target=node20 \
 *     --outfile=dist/loadgen.mjs \
 *     "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
 */
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

/**
 * undici, commander and hdr-histogram-js are CommonJS and call `require('node:…')`; esbuild's ESM
 * output has no `require`, so without this banner the bundle dies at start-up with
 * "Dynamic require of "node:events" is not supported". With it, hdr-histogram-js's
 * `eval('require("zlib")')` also finds node's zlib instead of falling back to its bundled pako.
 */
export const requireBanner =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export const loadgenBuildOptions: BuildOptions = {
  entryPoints: [fileURLToPath(new URL('./main.ts', import.meta.url))],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: requireBanner },
  logLevel: 'warning',
};

export async function buildLoadgenBundle(outfile: string): Promise<void> {
  await build({ ...loadgenBuildOptions, outfile });
}
