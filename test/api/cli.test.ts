/**
 * The `aifb` CLI as a process, against a dev server + worker, both ways it can connect: through
 * the HTTP API (AIFB_API_URL) and straight to Temporal (TEMPORAL_ADDRESS). Same output, same
 * exit codes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type CliRun, runAifb, simulatorRecipe } from '../integration/harness';
import { type ApiStack, startApiStack, TOKEN } from './harness';

type Mode = 'api' | 'temporal';

let stack: ApiStack;
beforeAll(async () => {
  stack = await startApiStack();
});
afterAll(async () => {
  await stack?.stop();
});

function aifb(mode: Mode, args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, AIFB_LOG_LEVEL: 'ERROR' };
  for (const key of ['AIFB_API_URL', 'AIFB_API_TOKEN', 'TEMPORAL_ADDRESS']) delete env[key];
  Object.assign(
    env,
    mode === 'api'
      ? { AIFB_API_URL: stack.url, AIFB_API_TOKEN: TOKEN }
      : {
          TEMPORAL_ADDRESS: stack.dev.address,
          AIFB_DATA_DIR: stack.config.dataDir,
          AIFB_TASK_QUEUE: stack.config.taskQueue,
        },
    extraEnv,
  );
  return runAifb(args, env);
}

function recipeFile(name: string, recipe: Record<string, unknown>): string {
  const file = join(stack.config.dataDir, `${name}.yaml`);
  writeFileSync(file, stringify(recipe));
  return file;
}

function twoLongStages(name: string) {
  const base = simulatorRecipe({ name });
  return {
    ...base,
    workload: {
      ...(base.workload as object),
      stages: [
        { name: 'first', mode: 'concurrency', concurrency: 2, duration: '10m', cooldown: '2s' },
        { name: 'second', mode: 'concurrency', concurrency: 2, duration: '10m', cooldown: '2s' },
      ],
    },
  };
}

async function waitForClients(id: string, stageName: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const view = await stack.control.status(id);
    if (
      view.live?.stageName === stageName &&
      view.clients.length === 2 &&
      view.clients.every((c) => c.ok > 0)
    ) {
      return;
    }
    await sleep(300);
  }
  throw new Error(`${id}: stage ${stageName} never measured`);
}

describe('aifb against the API and against Temporal', () => {
  let longId = '';
  let quickId = '';

  it('run --detach through the API prints the id; stop-stage, stop and watch control it (exit 0)', async () => {
    const started = await aifb('api', ['run', recipeFile('cli-long', twoLongStages('cli-long')), '--detach']);
    expect(started.code, started.stderr).toBe(0);
    longId = started.stdout.trim();
    expect(longId).toMatch(/^bench-cli-long-[a-z0-9]{6}$/);

    await waitForClients(longId, 'first');
    const stopStage = await aifb('temporal', ['stop-stage', longId]);
    expect(stopStage.code, stopStage.stderr).toBe(0);
    expect(stopStage.stdout).toContain(`ending stage first of ${longId}`);
    await waitForClients(longId, 'second');
    const watching = aifb('api', ['watch', longId]);
    await sleep(1500);
    const stop = await aifb('api', ['stop', longId, '--reason', 'enough']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toContain(`stopping ${longId} (was loading, stage second)`);
    const watched = await watching;
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stderr).toMatch(/stage 1\/2 first .*100% done/);
    expect(watched.stderr).toMatch(/client 0 \[#*\.*\] +\d+% +\w+ +sent \d+/);
    expect(watched.stderr).toContain('completed: done');
  });

  it('run through Temporal directly (worker already polling) prints the table', async () => {
    const run = await aifb('temporal', [
      'run',
      recipeFile('cli-quick', simulatorRecipe({ name: 'cli-quick' })),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('no worker polls');
    quickId = /benchmark (bench-cli-quick-[a-z0-9]+) \(cli-quick\) completed/.exec(run.stdout)?.[1] ?? '';
    expect(quickId).not.toBe('');
  });

  it('list, status, results and logs print the same either way', async () => {
    for (const args of [
      ['list', '--recipe', 'cli-long'],
      ['list', '--status', 'completed', '--json'],
      ['status', longId],
      ['results', longId],
      ['results', longId, '--format', 'csv'],
      ['results', quickId, '--format', 'json'],
      ['logs', longId, '--component', 'clients-0', '--tail', '3'],
    ]) {
      const [viaApi, viaTemporal] = await Promise.all([aifb('api', args), aifb('temporal', args)]);
      expect(viaApi.code, `${args.join(' ')}: ${viaApi.stderr}`).toBe(0);
      expect(viaTemporal.code, `${args.join(' ')}: ${viaTemporal.stderr}`).toBe(0);
      expect(viaApi.stdout, args.join(' ')).toBe(viaTemporal.stdout);
      expect(viaApi.stdout.length).toBeGreaterThan(0);
    }
    const list = await aifb('api', ['list', '--recipe', 'cli-long']);
    expect(list.stdout).toContain(longId);
    expect(list.stdout).toMatch(/completed .*done .*simulator .*local/);
    const results = await aifb('api', ['results', longId]);
    expect(results.stdout).toContain(`benchmark ${longId} (cli-long) stopped`);
  });

  it('compare prints both runs side by side with deltas', async () => {
    const compared = await aifb('api', ['compare', longId, quickId]);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stdout).toContain(`A: ${longId} (cli-long, stopped)`);
    // Stages are matched by name: these runs share none, so every row has one side only.
    expect(compared.stdout).toMatch(/first .*req\/s/);
    const self = await aifb('temporal', ['compare', quickId, quickId, '--json', '--fail-on-regression']);
    expect(self.code, self.stderr).toBe(0);
    const { rows, regression } = JSON.parse(self.stdout) as {
      rows: { delta: number | null }[];
      regression: boolean;
    };
    expect(rows.filter((r) => r.delta !== null).every((r) => r.delta === 0)).toBe(true);
    expect(regression).toBe(false);
  });

  it('compare --fail-on-regression exits 1 on a made-up regression (a run against its copy with TTFT doubled)', async () => {
    const summary = JSON.parse((await aifb('api', ['results', quickId, '--format', 'json'])).stdout);
    for (const stage of summary.stages) {
      stage.latencyMs.ttft.p50 *= 2;
      stage.latencyMs.ttft.p99 *= 2;
    }
    const worse = join(stack.config.dataDir, 'worse-summary.json');
    writeFileSync(worse, JSON.stringify({ ...summary, benchmarkId: 'bench-cli-quick-worse' }));
    for (const mode of ['api', 'temporal'] as const) {
      const regressed = await aifb(mode, ['compare', quickId, worse, '--fail-on-regression']);
      expect(regressed.code, regressed.stderr).toBe(1);
      expect(regressed.stdout).toMatch(
        /B against A \(tolerance 10%\): REGRESSION \(2 of \d+ checks failed\)/,
      );
      expect(regressed.stdout).toMatch(
        /TTFT p50: [\d.]+ above [\d.]+ \(reference [\d.]+ \+10%\) \[baseline bench-cli-quick-/,
      );
    }
  });

  it("history prints the recipe's runs the same either way, with the environment in results", async () => {
    const [viaApi, viaTemporal] = await Promise.all([
      aifb('api', ['history', 'cli-quick', '--json']),
      aifb('temporal', ['history', 'cli-quick', '--json']),
    ]);
    expect(viaApi.code, viaApi.stderr).toBe(0);
    expect(viaApi.stdout).toBe(viaTemporal.stdout);
    const entries = JSON.parse(viaApi.stdout) as {
      benchmarkId: string;
      status: string;
      recipeHash: string;
    }[];
    expect(entries.map((e) => [e.benchmarkId, e.status])).toEqual([[quickId, 'completed']]);
    const results = await aifb('api', ['results', quickId]);
    expect(results.stdout).toContain(`environment:\n  aifb `);
    expect(results.stdout).toContain(`recipe ${entries[0]!.recipeHash.slice(0, 19)}`);
    const bad = await aifb('api', ['history', 'Not-A-Recipe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a recipe name');
  });

  it('schedules: create through the API, list through Temporal, pause, delete', async () => {
    const file = recipeFile('cli-nightly', simulatorRecipe({ name: 'cli-nightly' }));
    const created = await aifb('api', ['schedule', 'create', file, '--every', '12h']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('aifb-cli-nightly: recipe cli-nightly, every 43200s');
    const listed = await aifb('temporal', ['schedule', 'list']);
    expect(listed.stdout).toContain('aifb-cli-nightly');
    const paused = await aifb('temporal', ['schedule', 'pause', 'aifb-cli-nightly']);
    expect(paused.stdout).toContain('PAUSED');
    expect((await aifb('api', ['schedule', 'delete', 'aifb-cli-nightly'])).code).toBe(0);
    const gone = await aifb('api', ['schedule', 'delete', 'aifb-cli-nightly']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('no schedule aifb-cli-nightly');
  });

  it('exit codes: 2 for bad input (unknown id, bad option, bad recipe, rejected token), 1 for a refused action', async () => {
    for (const mode of ['api', 'temporal'] as const) {
      const unknown = await aifb(mode, ['status', 'bench-nobody-zzzzzz']);
      expect(unknown.code, mode).toBe(2);
      expect(unknown.stderr).toContain('no benchmark bench-nobody-zzzzzz');
      const stopDone = await aifb(mode, ['stop', quickId]);
      expect(stopDone.code, mode).toBe(1);
      expect(stopDone.stderr).toMatch(/nothing to stop|already ended/);
      expect((await aifb(mode, ['results', quickId, '--format', 'xml'])).code).toBe(2);
      expect((await aifb(mode, ['list', '--status', 'sleeping'])).code).toBe(2);
    }
    const bad = await aifb('api', ['schedule', 'create', 'examples/bad/04-no-stages.yaml', '--every', '1h']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('workload.stages');
    const wrongToken = await aifb('api', ['stop', longId], { AIFB_API_TOKEN: 'wrong-token-0123456789' });
    expect(wrongToken.code).toBe(2);
    expect(wrongToken.stderr).toContain('Authorization: Bearer');
  });
});
