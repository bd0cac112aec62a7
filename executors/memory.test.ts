import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobNames, loadgenFiles } from '../core/jobs';
import { loadgenConfig } from '../core/loadgen-config';
import type { ClientResult } from '../core/loadgen-protocol';
import { parseRecipe, type Recipe } from '../core/recipe';
import { requestedRate } from '../core/recipe-read';
import type { StageGo } from '../core/stage-start';
import { summarizeStage } from '../core/summary';
import { judgeStage } from '../core/validity';
import { readinessProblem, serviceIdentity } from '../services/probe';
import { MemoryExecutor } from './memory';
import { memoryService } from './memory-sim';
import { dirStore } from './memory-store';

function recipe(): Recipe {
  const parsed = parseRecipe({
    name: 'mem',
    service: { kind: 'simulator' },
    workload: {
      kind: 'openai-chat',
      dataset: { synthetic: { inputTokens: 8, outputTokens: 8 } },
      clients: { count: 2 },
      stages: [{ name: 'r4', mode: 'constant', rate: 4, duration: '10s', warmup: '1s', cooldown: '2s' }],
    },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.recipe;
}

/** A clock the test moves by hand. */
function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const B = 'bench-mem-1';

afterAll(async () => (await memoryService()).close());

describe('MemoryExecutor', () => {
  it('keeps a service pending for its queue wait, then announces a service that passes the real readiness probe', async () => {
    const c = clock();
    const ex = new MemoryExecutor({
      now: c.now,
      timing: { service: { queueWaitMs: 5000, startupMs: 1000 } },
    });
    const job = await ex.submit({ name: jobNames.service(B), benchmarkId: B, script: '' });
    expect(await ex.submit({ name: jobNames.service(B), benchmarkId: B, script: '' })).toEqual(job);
    expect((await ex.status(job)).state).toBe('PENDING');
    expect(await ex.liveBenchmarks()).toEqual([B]);
    c.advance(5000);
    expect((await ex.status(job)).state).toBe('RUNNING');
    expect((await ex.readFile(job, 'endpoint')).data.length).toBe(0);
    c.advance(1000);
    const announced = (await ex.readFile(job, 'endpoint')).data.toString().trim();
    expect(announced).toMatch(/^127\.0\.0\.1:\d+$/);
    const url = `http://${announced}`;
    const service = recipe().service;
    if (service.kind !== 'simulator') throw new Error('a simulator recipe');
    const probe = { service, api: 'openai-chat' as const };
    expect(await readinessProblem(url, probe)).toBeNull();
    expect((await serviceIdentity(url, probe)).models.map((m) => m.id)).toEqual(['memory']);
    expect(await ex.cancelAll(B)).toEqual([job.name]);
    expect((await ex.status(job)).state).toBe('CANCELLED');
    expect(await ex.cancelAll(B)).toEqual([]);
    expect(await ex.liveBenchmarks()).toEqual([]);
  });

  it('runs a clients job through the loadgen file protocol, with results a stage summary judges valid', async () => {
    const c = clock();
    const ex = new MemoryExecutor({ now: c.now, timing: { clients: { startupMs: 2000 } } });
    const r = recipe();
    const job = await ex.submit({ name: jobNames.clients(B), benchmarkId: B, script: '', tasks: 2 });
    expect(await ex.listJobs(B)).toEqual([job]);
    const config = loadgenConfig(B, r, 0, 'http://127.0.0.1:1');
    await ex.writeFile(job, loadgenFiles.stage(0), JSON.stringify(config));
    expect((await ex.readFile(job, loadgenFiles.ready(0, 0))).data.length).toBe(0);
    c.advance(2000);
    const ready = JSON.parse((await ex.readFile(job, loadgenFiles.ready(0, 1))).data.toString());
    expect(ready).toEqual({ clientIndex: 1, atMs: c.now() });
    expect((await ex.readFile(job, loadgenFiles.ready(0, 2))).data.length).toBe(0); // no such client
    const go: StageGo = { startAtMs: c.now() + 500, clients: [0, 1], missing: [] };
    await ex.writeFile(job, loadgenFiles.go(0), JSON.stringify(go));
    c.advance(500 + 1000 + 10_000 + 2000 - 1);
    expect(await ex.tail(job, loadgenFiles.result(0, 0), 10)).toBe('');
    c.advance(1);
    const results = [0, 1].map(
      async (i) =>
        JSON.parse((await ex.readFile(job, loadgenFiles.result(0, i))).data.toString()) as ClientResult,
    );
    const clients = await Promise.all(results);
    expect(clients[0]).toMatchObject({ clientIndex: 0, scheduled: 20, measured: { sent: 20, ok: 20 } });
    const stage = r.workload.stages[0]!;
    const summary = summarizeStage(
      {
        index: 0,
        name: 'r4',
        mode: 'constant',
        concurrency: null,
        requestedRatePerS: stage.mode === 'constant' ? requestedRate(stage) : null,
        bounds: { durationS: 10, maxRequests: null, warmupS: 1, cooldownS: 2 },
        clientsExpected: 2,
        hasSlo: false,
        exactOutputLength: true,
      },
      clients,
    );
    expect(summary.rate.achievedPerS).toBe(4);
    expect(summary.latencyMs.ttft?.p50).toBeCloseTo(20, 0);
    const validity = judgeStage(summary, r.workload.validity, {
      service: { alive: true, state: 'RUNNING' },
      missingClients: [],
    });
    expect(validity).toEqual({ valid: true, failures: [] });
    expect((await ex.status(job)).state).toBe('RUNNING');
    await ex.writeFile(job, loadgenFiles.done, '');
    expect(await ex.status(job)).toMatchObject({
      state: 'COMPLETED',
      tasks: [{ exitCode: 0 }, { exitCode: 0 }],
    });
  });

  it('ends a stopped stage at its stop, with a shorter window', async () => {
    const c = clock();
    const ex = new MemoryExecutor({ now: c.now });
    const job = await ex.submit({ name: jobNames.clients(B), benchmarkId: B, script: '', tasks: 1 });
    const config = { ...loadgenConfig(B, recipe(), 0, 'http://127.0.0.1:1'), clientCount: 1 };
    await ex.writeFile(job, loadgenFiles.stage(0), JSON.stringify(config));
    await ex.writeFile(
      job,
      loadgenFiles.go(0),
      JSON.stringify({ startAtMs: c.now(), clients: [0], missing: [] }),
    );
    c.advance(6000);
    await ex.writeFile(job, loadgenFiles.stop(0), '');
    const result = JSON.parse(
      (await ex.readFile(job, loadgenFiles.result(0, 0))).data.toString(),
    ) as ClientResult;
    expect(result.windowEndMs - result.windowStartMs).toBe(5000);
    expect(result.measured.sent).toBe(20);
  });

  it('completes an image job after its run time; reads files from an offset', async () => {
    const c = clock();
    const ex = new MemoryExecutor({ now: c.now, timing: { image: { runMs: 3000 } } });
    const job = await ex.submit({
      name: jobNames.image(B),
      benchmarkId: B,
      script: '',
      files: { 'a.txt': 'hello' },
    });
    expect((await ex.status(job)).state).toBe('RUNNING');
    expect((await ex.readFile(job, 'a.txt', 2, 2)).data.toString()).toBe('ll');
    expect(await ex.readFile(job, 'a.txt', 2, 2)).toMatchObject({ nextOffset: 4 });
    expect(await ex.tail(job, 'a.txt', 3)).toBe('llo');
    c.advance(3000);
    expect((await ex.status(job)).state).toBe('COMPLETED');
    await expect(ex.writeFile({ ...job, name: `${B}-nope` }, 'x', '')).rejects.toThrow(/no job/);
  });

  it('shares jobs between executors (worker processes) through a folder store', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aifb-mem-'));
    const one = new MemoryExecutor({ store: dirStore(root) });
    const two = new MemoryExecutor({ store: dirStore(root) });
    const job = await one.submit({ name: jobNames.clients(B), benchmarkId: B, script: '', tasks: 1 });
    expect(await two.listJobs(B)).toEqual([job]);
    await two.writeFile(job, loadgenFiles.stage(0), '{}');
    expect((await one.readFile(job, loadgenFiles.ready(0, 0))).data.length).toBeGreaterThan(0);
    await two.cancelAll(B);
    expect((await one.status(job)).state).toBe('CANCELLED');
    expect(await one.liveBenchmarks()).toEqual([]);
  });
});
