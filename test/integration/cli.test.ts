import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type CliRun,
  type DevEnv,
  jobProcessesUnder,
  runAifb,
  simulatorRecipe,
  startDevEnv,
  testConfig,
} from './harness';

function aifb(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runAifb(args, { ...process.env, ...env });
}

describe('aifb validate', () => {
  it('exits 0 on a good recipe', async () => {
    const run = await aifb(['validate', 'examples/demo.yaml']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ok — demo');
  });
  it('exits 2 listing every problem with its path', async () => {
    const run = await aifb(['validate', 'examples/bad/10-negative-stdev-and-wrong-types.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('4 problems');
    expect(run.stderr).toContain('- workload.clients.count:');
  });
  it('exits 2 on a YAML syntax error and on a missing file', async () => {
    expect((await aifb(['validate', 'examples/bad/12-not-yaml.yaml'])).code).toBe(2);
    const missing = await aifb(['validate', 'no/such.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });
  it('exits 2 on an unknown command', async () => {
    expect((await aifb(['frobnicate'])).code).toBe(2);
  });
});

describe('aifb run against a Temporal server', () => {
  let dev: DevEnv;
  beforeAll(async () => {
    dev = await startDevEnv();
  });
  afterAll(async () => {
    await dev?.teardown();
  });

  it('runs a recipe (worker in process when none polls), prints the table, and `results` shows it again', async () => {
    const config = testConfig();
    const file = join(config.dataDir, 'recipe.yaml');
    writeFileSync(file, stringify(simulatorRecipe({ name: 'cli' })));
    const env = {
      TEMPORAL_ADDRESS: dev.address,
      AIFB_DATA_DIR: config.dataDir,
      AIFB_TASK_QUEUE: config.taskQueue,
    };
    const run = await aifb(['run', file], env);
    expect(run.stderr).toContain('no worker polls');
    expect(run.code).toBe(0);
    for (const row of [
      'requests ok / failed',
      'TTFT p50 / p99 ms',
      'TPOT p50 / p99 ms',
      'ITL per chunk p50 / p99 ms',
      'E2E p50 / p99 ms',
      'output tok/s',
      'req/s',
    ]) {
      expect(run.stdout).toContain(row);
    }
    const id = /benchmark (bench-cli-[a-z0-9]+) \(cli\) completed/.exec(run.stdout)?.[1];
    expect(id).toBeDefined();
    const again = await aifb(['results', id!], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`benchmark ${id}`);
    const csv = await aifb(['results', id!, '--format', 'csv'], env);
    expect(csv.stdout.split('\n')[0]).toMatch(/^benchmark_id,stage,mode/);
    expect(jobProcessesUnder(config.dataDir)).toEqual([]);
  });

  it('exits 1 with the reason when the benchmark fails, and 2 on a bad recipe before starting anything', async () => {
    const config = testConfig();
    const env = {
      TEMPORAL_ADDRESS: dev.address,
      AIFB_DATA_DIR: config.dataDir,
      AIFB_TASK_QUEUE: config.taskQueue,
    };
    const failing = join(config.dataDir, 'failing.yaml');
    writeFileSync(
      failing,
      stringify(
        simulatorRecipe({ name: 'cli-fail', service: { kind: 'command', command: ['false'], port: 8000 } }),
      ),
    );
    const run = await aifb(['run', failing], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/failed: service job .* ended \(FAILED/);
    const bad = await aifb(['run', 'examples/bad/04-no-stages.yaml'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('workload.stages');
  });
});
