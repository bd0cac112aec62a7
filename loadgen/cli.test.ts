import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientResult, LoadgenConfig, ProgressSnapshot } from '../core/loadgen-protocol';
import { buildLoadgenBundle } from './bundle';
import { parseCliArgs } from './cli';
import { type SseServer, startSseServer, validConfig } from './testing';

// These tests run the real esbuild bundle in a child process, as a client job would.
const dir = mkdtempSync(join(tmpdir(), 'loadgen-cli-'));
const bundle = join(dir, 'loadgen.mjs');
let server: SseServer;

beforeAll(async () => {
  await buildLoadgenBundle(bundle);
  server = await startSseServer({ ttftMs: 10, tokens: 4, gapMs: 5 });
});
afterAll(() => server.close());

function writeConfig(name: string, config: unknown): string {
  const d = mkdtempSync(join(dir, `${name}-`));
  writeFileSync(join(d, 'loadgen-config.json'), JSON.stringify(config));
  return d;
}

function exec(args: string[], env: Record<string, string> = {}, onStart?: (p: ChildProcess) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [bundle, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    onStart?.(p);
  });
}

const config = (over: Partial<LoadgenConfig>): LoadgenConfig => ({
  ...validConfig,
  baseUrl: server.url,
  clientCount: 2,
  load: { mode: 'concurrency', concurrency: 4 },
  progressIntervalMs: 100,
  ...over,
});

describe('loadgen bundle', () => {
  it('runs one client (index from env) and writes result and progress', async () => {
    const d = writeConfig('ok', config({ timing: { warmupMs: 100, durationMs: 500, cooldownMs: 500 } }));
    const r = await exec(['--config', join(d, 'loadgen-config.json')], { AIFB_CLIENT_INDEX: '1' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[loadgen 1\] start .*mode=concurrency .*concurrency=2 /);
    const result = JSON.parse(readFileSync(join(d, 'result-0-1.json'), 'utf8')) as ClientResult;
    expect(result.clientIndex).toBe(1);
    expect(result.measured.ok).toBeGreaterThan(0);
    expect(result.measured.outputTokens).toBe(4 * result.measured.ok);
    const lines = readFileSync(join(d, 'progress-0-1.jsonl'), 'utf8').trimEnd().split('\n');
    expect((JSON.parse(lines.at(-1)!) as ProgressSnapshot).phase).toBe('done');
  });

  it('ends early on SIGTERM with exit 0 and a result', async () => {
    const d = writeConfig(
      'term',
      config({ timing: { warmupMs: 0, durationMs: 60_000, cooldownMs: 60_000 } }),
    );
    const t0 = Date.now();
    const r = await exec(
      ['--config', join(d, 'loadgen-config.json'), '--index', '0', '--out', d],
      {},
      (p) => {
        setTimeout(() => p.kill('SIGTERM'), 800);
      },
    );
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    const result = JSON.parse(readFileSync(join(d, 'result-0-0.json'), 'utf8')) as ClientResult;
    expect(result.measured.ok).toBeGreaterThan(0);
    expect(result.windowEndMs - result.windowStartMs).toBeLessThan(5000);
  });

  it('exits 2 with a readable message on an invalid config', async () => {
    const d = writeConfig('bad', { ...config({}), load: { mode: 'concurrency', concurrency: 'many' } });
    const r = await exec(['--config', join(d, 'loadgen-config.json'), '--index', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid loadgen config:\n\s+load\.concurrency: /);
  });
});

describe('parseCliArgs', () => {
  const d = writeConfig('args', { ...validConfig, clientCount: 2 });
  const file = join(d, 'loadgen-config.json');
  it('prefers --index over the env and defaults --out to the config folder', () => {
    const a = parseCliArgs(['node', 'x', '--config', file, '--index', '1'], { AIFB_CLIENT_INDEX: '0' });
    expect(a).toMatchObject({ clientIndex: 1, outDir: d });
  });
  it('rejects a missing or out-of-range index', () => {
    expect(() => parseCliArgs(['node', 'x', '--config', file], {})).toThrow(/AIFB_CLIENT_INDEX/);
    expect(() => parseCliArgs(['node', 'x', '--config', file, '--index', '2'], {})).toThrow(/out of range/);
    expect(() => parseCliArgs(['node', 'x', '--config', file, '--index', '-1'], {})).toThrow();
  });
});
