import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeOptions } from './cli';
import { resolveSimulatorOptions } from './options';

describe('mergeOptions', () => {
  it('lets flags override the config file, field by field for distributions', () => {
    const config = { model: 'from-file', port: 9000, ttftMs: { mean: 80, stdev: 5, max: 200 }, itlMs: 7 };
    const merged = resolveSimulatorOptions(
      mergeOptions(config, { port: 0, ttftMs: 40, itlStdevMs: 2, outputTokensStdev: 3 }),
    );
    expect(merged).toMatchObject({
      model: 'from-file',
      port: 0,
      ttftMs: { mean: 40, stdev: 5, max: 200 },
      itlMs: { mean: 7, stdev: 2 },
      // No mean anywhere: the default mean is kept.
      outputTokens: { mean: 128, stdev: 3 },
    });
  });

  it('leaves unset options to the defaults', () => {
    expect(resolveSimulatorOptions(mergeOptions({}, {}))).toEqual(resolveSimulatorOptions({}));
  });

  it('rejects unknown config keys', () => {
    expect(() => resolveSimulatorOptions(mergeOptions({ ttft: 5 }, {}))).toThrow(/ttft/);
  });
});

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

describe('simulator CLI', () => {
  let dir = '';
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function waitForFile(path: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text !== undefined) return text;
      if (Date.now() > deadline || child?.exitCode !== null) throw new Error(`no endpoint file at ${path}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('writes the endpoint file, serves, and exits 0 on SIGTERM mid-stream', async () => {
    dir = await mkdtemp(join(tmpdir(), 'aifb-sim-'));
    const endpointFile = join(dir, 'endpoint');
    const configFile = join(dir, 'sim.json');
    await writeFile(configFile, JSON.stringify({ model: 'from-config', itlMs: 50, outputTokens: 1000 }));
    const args = ['--import', 'tsx', 'simulator/main.ts', '--port', '0', '--ttft-ms', '5'];
    args.push('--endpoint-file', endpointFile, '--config', configFile);
    child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));

    const endpoint = await waitForFile(endpointFile, 15_000);
    expect(endpoint).toMatch(/^127\.0\.0\.1:\d+\n$/);
    const base = `http://${endpoint.trim()}`;
    expect(stdout).toContain(
      `aifb simulator listening on ${base} model=from-config ttft=5ms itl=50ms out=1000tok`,
    );
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const models = (await (await fetch(`${base}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data[0]?.id).toBe('from-config');

    // A stream that would run for ~50 s must not hold up shutdown.
    const stream = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const reader = stream.body!.getReader();
    await reader.read();

    const t0 = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1000);
    await reader.read().catch(() => undefined);
  });

  it('exits non-zero on invalid options', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'simulator/main.ts', '--tokens-per-chunk', '0'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child?.on('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toMatch(/tokensPerChunk/);
  });
});
