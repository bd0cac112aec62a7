/**
 * The relay hub against a counting HTTP server standing in for Pushgateway's PUT endpoint and
 * fake activity contexts: many benchmarks, one budget. (The telemetry tier runs it against the
 * real Pushgateway and Prometheus.)
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledFailure, type Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BenchmarkStatus, initialStatus } from '../core/contract';
import { type AifbConfig, paths } from '../core/node/config';
import { parseRecipe, type Recipe } from '../core/recipe';
import { LocalExecutor } from '../executors/local';
import type { ActivityContext } from './context';
import { RETIRED_MARKER, RelayHub } from './relay-hub';

let puts: { path: string; atMs: number }[] = [];
const server = createServer((req, res) => {
  puts.push({ path: req.url ?? '', atMs: Date.now() });
  req.resume().on('end', () => res.writeHead(200).end());
});
let url = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function recipe(): Recipe {
  const parsed = parseRecipe({
    name: 'hub',
    service: { kind: 'simulator' },
    workload: {
      kind: 'openai-chat',
      stages: [{ name: 's', mode: 'concurrency', concurrency: 1, duration: '1m' }],
    },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.recipe;
}

function status(benchmarkId: string): BenchmarkStatus {
  return {
    ...initialStatus(benchmarkId, 1),
    recipeName: 'hub',
    phase: 'loading',
    stageIndex: 0,
    stageName: 's',
    stageCount: 1,
  };
}

/** What the hub uses of an activity's Context; `cancel` ends the relay like a workflow's cancel. */
function fakeActivity(benchmarkId: string) {
  let cancel!: () => void;
  const cancelled = new Promise<never>((_, reject) => {
    cancel = () => reject(new CancelledFailure('cancelled'));
  });
  cancelled.catch(() => undefined);
  const beats: unknown[] = [];
  let queries = 0;
  const activity = {
    info: { heartbeatDetails: undefined, workflowExecution: { workflowId: benchmarkId } },
    cancelled,
    heartbeat: (d: unknown) => beats.push(d),
    log: { warn: () => undefined },
    client: {
      connection: { withDeadline: <T>(_: number, fn: () => Promise<T>) => fn() },
      workflow: {
        getHandle: () => ({
          query: async () => {
            queries++;
            return status(benchmarkId);
          },
        }),
      },
    },
  } as unknown as Context;
  return { activity, cancel, beats, queries: () => queries };
}

function hubWith(budget: AifbConfig['telemetry']) {
  const dataDir = mkdtempSync(join(tmpdir(), 'aifb-hub-'));
  const config: AifbConfig = { dataDir, distDir: dataDir, taskQueue: 'q', telemetry: budget };
  const executor = new LocalExecutor({ root: join(dataDir, 'jobs') });
  const ctx = { config, executorFor: () => executor } as unknown as ActivityContext;
  return { hub: new RelayHub(ctx), config };
}

describe('RelayHub', () => {
  it('serves 60 benchmarks within one PUT and one query budget, beats each, and ends each on its cancel', async () => {
    puts = [];
    const { hub, config } = hubWith({
      pushgatewayUrl: url,
      prometheusUrl: null,
      lokiUrl: null,
      pushRetentionMs: null,
      pushIntervalMs: 1000,
      relayBudget: { pushesPerS: 10, statusQueriesPerS: 10, passesPerS: 100 },
    });
    const runs = Array.from({ length: 60 }, (_, i) => ({
      id: `bench-hub-${i}`,
      ...fakeActivity(`bench-hub-${i}`),
    }));
    const startedMs = Date.now();
    const relays = runs.map((r) => hub.relay({ benchmarkId: r.id, recipe: recipe() }, r.activity));
    expect(hub.running).toBe(60);
    // Every benchmark gets its status pushed once (unchanged afterwards: never again).
    for (let i = 0; i < 200 && new Set(puts.map((p) => p.path)).size < 60; i++) await sleep(50);
    const elapsedS = (Date.now() - startedMs) / 1000;
    const statusPuts = puts.filter((p) => p.path.endsWith('/component/workflow'));
    expect(new Set(statusPuts.map((p) => p.path)).size).toBe(60);
    expect(statusPuts.length).toBe(60);
    // The bucket: a burst of 10, then 10 a second, however many benchmarks wait.
    expect(puts.length).toBeLessThanOrEqual(10 + Math.ceil(10 * elapsedS) + 1);
    const queries = runs.reduce((n, r) => n + r.queries(), 0);
    expect(queries).toBeLessThanOrEqual(10 + Math.ceil(10 * elapsedS) + 1);
    for (const r of runs) expect(r.beats.length).toBeGreaterThan(0);
    expect(existsSync(paths.live(config, runs[0]!.id))).toBe(true);

    for (const r of runs) r.cancel();
    const ended = await Promise.allSettled(relays);
    expect(ended.every((e) => e.status === 'rejected' && e.reason instanceof CancelledFailure)).toBe(true);
    expect(hub.running).toBe(0);
  });

  it('retire: the relay completes, nothing is copied any more, and the live copy goes', async () => {
    const { hub, config } = hubWith(undefined);
    const run = fakeActivity('bench-retire');
    const relay = hub.relay({ benchmarkId: 'bench-retire', recipe: recipe() }, run.activity);
    for (let i = 0; i < 100 && !existsSync(paths.live(config, 'bench-retire')); i++) await sleep(50);
    expect(existsSync(paths.live(config, 'bench-retire'))).toBe(true);
    await hub.retire('bench-retire');
    expect(existsSync(join(paths.logs(config, 'bench-retire'), RETIRED_MARKER))).toBe(true);
    expect(existsSync(paths.live(config, 'bench-retire'))).toBe(false);
    // The relay activity completes (before its workflow ends, so no late completion is refused).
    await relay;
    expect(hub.running).toBe(0);
    const beats = run.beats.length;
    await sleep(1500); // a pass would have come: none does
    expect(existsSync(paths.live(config, 'bench-retire'))).toBe(false);
    expect(run.beats.length).toBe(beats);
  });
});
