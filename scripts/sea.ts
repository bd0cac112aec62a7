/**
 * Single executables (Node SEA) of the job programs: the node binary that runs this build with
 * the program injected, so compute nodes need no Node install. Node 20's SEA runs one CommonJS
 * script (whose `require` sees only built-ins), so the program is bundled again as CJS.
 * Cached: a copy + injection costs seconds and ~100 MB, so it is redone only when the CJS
 * bundle or the node binary changed (a stamp beside the output records both).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { loadgenBuildOptions } from '../loadgen/bundle';

/** The sentinel Node looks for to know a blob was injected (from Node's SEA documentation). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const postjectCli = createRequire(import.meta.url).resolve('postject/dist/cli.js');

/** Runs node with `args`, failing with its stderr (quiet on success: build.ts says what it built). */
function run(first: string, args: string[]): void {
  const result = spawnSync(process.execPath, [first, ...args], { encoding: 'utf8' });
  // LIEF (inside postject) warns about every unnamed ELF note section: harmless (Node's SEA docs
  // show the same), and noise in an error message.
  const stderr = result.stderr
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith("warning: Can't find string offset for section name"))
    .join('\n');
  if (result.status !== 0) throw new Error(`node ${first} failed (exit ${result.status}): ${stderr}`);
}

/** Builds `<dist>/aifb-<name>` from `entry`; returns whether it was rebuilt. */
export async function buildSea(dist: string, name: string, entry: string): Promise<boolean> {
  const work = join(dist, 'sea');
  await mkdir(work, { recursive: true });
  const script = join(work, `${name}.cjs`);
  // No banner: CommonJS has its own `require`. esbuild empties `import.meta` in CJS output
  // with a warning; a program that used it would break only on the cluster, so fail here.
  const { warnings } = await build({
    ...loadgenBuildOptions,
    format: 'cjs',
    banner: {},
    entryPoints: [entry],
    outfile: script,
  });
  const broken = warnings.filter((w) => w.text.includes('import.meta'));
  if (broken.length > 0)
    throw new Error(`${name} uses import.meta, which its SEA bundle cannot: ${broken[0]!.text}`);
  const out = join(dist, `aifb-${name}`);
  const key = createHash('sha256')
    .update(await readFile(script))
    .update(`${process.version} ${process.platform}-${process.arch} ${process.execPath}`)
    .update(String((await stat(process.execPath)).mtimeMs))
    .digest('hex');
  const stampFile = join(work, `${name}.stamp`);
  const stamp = await readFile(stampFile, 'utf8').catch(() => '');
  if (stamp === key && (await stat(out).catch(() => null))) {
    // Built from this very bundle: as new as its sources, which may have changed without changing
    // it (a comment). Else a worker would refuse it as older than them (activities/programs.ts).
    const now = new Date();
    await utimes(out, now, now);
    return false;
  }

  const blob = join(work, `${name}.blob`);
  const config = join(work, `${name}.sea.json`);
  await writeFile(
    config,
    JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true }),
  );
  run('--experimental-sea-config', [config]);
  // Injected into a temporary copy, then renamed: a worker uploading the old one never sees half.
  const tmp = `${out}.tmp`;
  await copyFile(process.execPath, tmp);
  await chmod(tmp, 0o755);
  run(postjectCli, [tmp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
  await rename(tmp, out);
  await rm(blob);
  await writeFile(stampFile, key);
  return true;
}
