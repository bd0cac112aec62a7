// `aifb run examples/slurm-local.yaml` as a user runs it: it must exit once the table is printed
// (an SSH connection left open by the in-process worker used to keep it alive forever).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../../core/node/config';
import { type DevEnv, freePort, startDevEnv, testConfig } from '../integration/harness';
import { cluster, queuedNames } from './cluster';

const EXAMPLE = 'examples/slurm-local.yaml';
const EXIT_BOUND_MS = 5 * 60_000;

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

/** The example as is when it matches the cluster `make cluster-up` made; else a copy that does. */
function recipeFile(dataDir: string): string {
  const recipe = parse(readFileSync(join(repoRoot, EXAMPLE), 'utf8'));
  const c = cluster();
  const wanted = {
    host: c.host,
    port: c.port,
    user: c.user,
    identityFile: c.identityFile,
    knownHosts: c.knownHosts,
    partition: c.partition,
    workdir: c.workdir,
  };
  const slurm = recipe.target.slurm as Record<string, unknown>;
  if (Object.entries(wanted).every(([k, v]) => slurm[k] === v)) return EXAMPLE;
  const file = join(dataDir, 'slurm-local.yaml');
  writeFileSync(file, stringify({ ...recipe, target: { ...recipe.target, slurm: { ...slurm, ...wanted } } }));
  return file;
}

describe('aifb run on the Slurm executor', () => {
  it(
    `exits 0 within ${EXIT_BOUND_MS / 60_000} min once the results are printed`,
    async () => {
      const config = testConfig();
      const env = {
        ...process.env,
        TEMPORAL_ADDRESS: dev.address,
        AIFB_DATA_DIR: config.dataDir,
        AIFB_TASK_QUEUE: config.taskQueue,
        AIFB_WORKER_METRICS_PORT: '0',
        AIFB_PROMETHEUS_PORT: String(await freePort()),
        AIFB_PUSHGATEWAY_PORT: String(await freePort()),
      };
      const child = spawn(
        process.execPath,
        [join(repoRoot, 'bin', 'aifb.mjs'), 'run', recipeFile(config.dataDir)],
        {
          cwd: repoRoot,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout?.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.stderr?.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const code = await exitWithin(child, EXIT_BOUND_MS);
      if (code === 'timeout') {
        expect.fail(`aifb run did not exit within ${EXIT_BOUND_MS / 1000} s; its output:\n${output}`);
      }
      expect(code, output).toBe(0);
      const id = /benchmark (bench-slurm-local-[a-z0-9]+) \(slurm-local\) completed/.exec(output)?.[1];
      expect(id, output).toBeDefined();
      expect(queuedNames(id!)).toEqual([]);
    },
    EXIT_BOUND_MS + 60_000,
  );
});

function exitWithin(child: ChildProcess, ms: number): Promise<number | null | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('timeout');
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
