import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadgenFiles } from '../core/jobs';
import type { ClientResult, LoadgenConfig } from '../core/loadgen-protocol';
import type { StageGo } from '../core/stage-start';
import { writeJsonAtomic } from './output';
import { serveStages } from './serve';
import { type SseServer, startSseServer, validConfig } from './testing';

let server: SseServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const stageConfig = (stageIndex: number, durationMs: number): LoadgenConfig => ({
  ...validConfig,
  baseUrl: server!.url,
  stageIndex,
  clientCount: 2,
  load: { mode: 'concurrency', concurrency: 2 },
  timing: { warmupMs: 100, durationMs, cooldownMs: 500 },
  progressIntervalMs: 100,
});

async function until(what: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

const result = (dir: string, s: number, c: number) =>
  JSON.parse(readFileSync(join(dir, loadgenFiles.result(s, c)), 'utf8')) as ClientResult;

describe('serveStages: one allocation, every stage, a common start', () => {
  it('runs two stages on both clients, each starting at the go instant, then exits on done', async () => {
    server = await startSseServer({ ttftMs: 1, tokens: 2, gapMs: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'serve-'));
    const log = () => undefined;
    const clients = [0, 1].map((clientIndex) => serveStages({ clientIndex, dir, pollMs: 20, log }));
    for (const s of [0, 1]) {
      writeJsonAtomic(join(dir, loadgenFiles.stage(s)), stageConfig(s, 400));
      await until(() => [0, 1].every((c) => existsSync(join(dir, loadgenFiles.ready(s, c)))));
      const go: StageGo = { startAtMs: Date.now() + 300, clients: [0, 1], missing: [] };
      writeJsonAtomic(join(dir, loadgenFiles.go(s)), go);
      await until(() => [0, 1].every((c) => existsSync(join(dir, loadgenFiles.result(s, c)))));
      for (const c of [0, 1]) {
        const r = result(dir, s, c);
        // Warm-up began at the go's instant on both: one shared window.
        expect(Math.abs(r.startedAtMs - go.startAtMs)).toBeLessThan(50);
        expect(Math.abs(r.windowStartMs - (go.startAtMs + 100))).toBeLessThan(50);
        expect(r.windowEndMs - r.windowStartMs).toBeGreaterThanOrEqual(390);
        expect(r.measured.ok).toBeGreaterThan(0);
      }
    }
    writeJsonAtomic(join(dir, loadgenFiles.done), {});
    expect(await Promise.all(clients)).toEqual([2, 2]);
  });

  it('a client left out of the go skips the stage; stop ends a stage early on every client', async () => {
    server = await startSseServer({ ttftMs: 1, tokens: 2, gapMs: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'serve-'));
    const log = () => undefined;
    const clients = [0, 1].map((clientIndex) => serveStages({ clientIndex, dir, pollMs: 20, log }));
    writeJsonAtomic(join(dir, loadgenFiles.stage(0)), stageConfig(0, 60_000));
    await until(() => existsSync(join(dir, loadgenFiles.ready(0, 1))));
    const start = Date.now() + 100;
    writeJsonAtomic(join(dir, loadgenFiles.go(0)), { startAtMs: start, clients: [0], missing: [] });
    await sleep(600);
    writeJsonAtomic(join(dir, loadgenFiles.stop(0)), {});
    await until(() => existsSync(join(dir, loadgenFiles.result(0, 0))));
    expect(result(dir, 0, 0).windowEndMs - start).toBeLessThan(2000);
    expect(existsSync(join(dir, loadgenFiles.result(0, 1)))).toBe(false);
    // A stage stopped before its go is skipped by everyone; then done ends them.
    writeJsonAtomic(join(dir, loadgenFiles.stage(1)), stageConfig(1, 400));
    await until(() => [0, 1].every((c) => existsSync(join(dir, loadgenFiles.ready(1, c)))));
    writeJsonAtomic(join(dir, loadgenFiles.stop(1)), {});
    writeJsonAtomic(join(dir, loadgenFiles.stage(2)), stageConfig(2, 400));
    await until(() => [0, 1].every((c) => existsSync(join(dir, loadgenFiles.ready(2, c)))));
    writeJsonAtomic(join(dir, loadgenFiles.done), {});
    expect(await Promise.all(clients)).toEqual([1, 0]);
  });
});
