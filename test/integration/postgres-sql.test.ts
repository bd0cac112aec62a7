/**
 * The sql workload against a real PostgreSQL (Debian's, installed by setup): a whole benchmark
 * through the workflow on the local executor, and the driver alone against a server started by
 * the same script a service job runs (slurm-scripts/postgres.sh).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import type { LoadgenConfig, SqlWorkloadSettings } from '../../core/loadgen-protocol';
import type { BenchmarkSummary } from '../../core/summary';
import { runLoadgen } from '../../loadgen/runner';
import { validConfig } from '../../loadgen/testing';
import { postgresProblem } from '../../services/postgres';
import { postgresBinDir } from '../../services/preflight';
import { postgresScript } from '../../slurm-scripts/render';
import {
  type DevEnv,
  freePort,
  inProcessWorker,
  jobProcessesUnder,
  startDevEnv,
  testConfig,
} from './harness';

if (postgresBinDir() === null)
  throw new Error("PostgreSQL is not installed: run `make setup` (it installs Debian's postgresql)");

const TMP_PREFIX = 'aifb-postgres.';
const serverFolders = () => readdirSync(process.env.TMPDIR ?? '/tmp').filter((f) => f.startsWith(TMP_PREFIX));

describe('sql workload through the workflow (local executor, real PostgreSQL)', () => {
  let dev: DevEnv;
  beforeAll(async () => {
    dev = await startDevEnv();
  });
  afterAll(async () => {
    await dev?.teardown();
  });

  it('loads the table once, runs the mix with zero errors and reports every class with its percentiles', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const before = new Set(serverFolders());
    const recipe = {
      name: 'it-sql',
      service: {
        kind: 'postgres',
        settings: { fsync: 'off' },
        health: { timeout: '60s', interval: '300ms' },
      },
      workload: {
        kind: 'sql',
        sql: {
          rows: 5000,
          rangeSize: 20,
          mix: { 'point-select': 50, range: 10, insert: 10, update: 10, transfer: 10 },
          variables: {
            a: { kind: 'int', min: 1, max: 5000 },
            b: { kind: 'int', min: 1, max: 5000 },
          },
          transactions: {
            transfer: [
              { sql: 'UPDATE aifb_items SET v = v - 1 WHERE id = $1', params: ['a'] },
              { sql: 'UPDATE aifb_items SET v = v + 1 WHERE id = $1', params: ['b'] },
            ],
          },
          connections: 4,
        },
        clients: { count: 2 },
        stages: [
          {
            name: 'c4',
            mode: 'concurrency',
            concurrency: 4,
            duration: '3s',
            warmup: '500ms',
            cooldown: '3s',
          },
          { name: 'r50', mode: 'constant', rate: 50, duration: '3s', warmup: '500ms', cooldown: '3s' },
        ],
        // This machine may be shared: only errors make a stage invalid here.
        validity: { maxScheduleLagP99: '1s', rateTolerancePct: 50 },
      },
    };
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: `bench-it-sql-${process.pid}`,
      args: [recipe],
    });
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;

    expect(summary.status).toBe('completed');
    expect(summary.service?.identity?.version).toMatch(/^\d+\.\d+/);
    for (const stage of summary.stages) {
      expect(stage.requests.failed).toBe(0);
      expect(stage.requests.ok).toBeGreaterThan(20);
      const classes = stage.workload?.classes ?? {};
      expect(Object.keys(classes).sort()).toEqual(['insert', 'point-select', 'range', 'transfer', 'update']);
      for (const [name, c] of Object.entries(classes)) {
        expect(c.failed, name).toBe(0);
        expect(c.ok, name).toBeGreaterThan(0);
        expect(c.latencyMs?.p50, name).toBeGreaterThan(0);
        expect(c.latencyMs!.p99, name).toBeGreaterThanOrEqual(c.latencyMs!.p50);
      }
      expect(stage.workload?.countersPerS.rows).toBeGreaterThan(0);
    }
    const [first, second] = summary.stages;
    // Loaded once, before the first stage, by both clients (a slice each).
    expect(first!.workload?.phases.load).toMatchObject({ items: 5000, failed: 0 });
    expect(second!.workload?.phases.load).toBeUndefined();
    // The ops per class add up to the stage's requests.
    const sum = Object.values(first!.workload!.classes).reduce((a, c) => a + c.ok, 0);
    expect(sum).toBe(first!.requests.ok);

    const serviceLog = readFileSync(
      join(config.dataDir, 'logs', handle.workflowId, 'service.err.log'),
      'utf8',
    );
    expect(serviceLog).toContain('database system is ready to accept connections');
    expect(serviceLog).not.toContain('Permission denied');
    // Torn down: no job process left, and the server's private folder (run as root) removed.
    expect(jobProcessesUnder(config.dataDir)).toEqual([]);
    for (let i = 0; i < 50 && serverFolders().some((f) => !before.has(f)); i++) await sleep(100);
    expect(serverFolders().filter((f) => !before.has(f))).toEqual([]);
  });
});

describe('sql driver against a server started as a service job starts it', () => {
  let server: ChildProcess;
  let dir: string;
  let baseUrl: string;
  let password: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aifb-it-pg-'));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = spawn('bash', [postgresScript, '', 'aifb', join(dir, 'pg-password'), '-c', 'fsync=off'], {
      env: { ...process.env, AIFB_JOB_DIR: dir, AIFB_PORT: String(port), AIFB_BIND_HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    server.stderr!.on('data', (c) => {
      stderr += c;
    });
    let problem: string | null = 'not started';
    for (let i = 0; i < 150 && problem !== null; i++) {
      await sleep(200);
      let pw = '';
      try {
        pw = readFileSync(join(dir, 'pg-password'), 'utf8').trim();
      } catch {
        // not written yet
      }
      problem = await postgresProblem(baseUrl, pw || null, 2000);
    }
    if (problem !== null) throw new Error(`postgres did not start: ${problem}\n${stderr}`);
    password = readFileSync(join(dir, 'pg-password'), 'utf8').trim();
  });
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  });

  const sqlConfig = (stageIndex: number, workload: Partial<SqlWorkloadSettings>): LoadgenConfig => ({
    ...validConfig,
    benchmarkId: 'b-driver',
    stageIndex,
    api: 'sql',
    baseUrl,
    clientCount: 1,
    load: { mode: 'concurrency', concurrency: 2 },
    timing: { warmupMs: 0, cooldownMs: 2000, maxRequests: 60 },
    workload: {
      kind: 'sql',
      user: 'aifb',
      database: 'postgres',
      password,
      rows: 300,
      padBytes: 10,
      rangeSize: 10,
      mix: { 'point-select': 1 },
      variables: {},
      transactions: {},
      connections: 2,
      ...workload,
    },
  });

  it('refuses a wrong password with a readable reason', async () => {
    expect(await postgresProblem(baseUrl, 'wrong', 3000)).toMatch(/password authentication failed/);
  });

  it('counts a failing statement under its SQLSTATE and class, and loads the table only once', async () => {
    const out = mkdtempSync(join(tmpdir(), 'aifb-it-pg-out-'));
    const first = await runLoadgen(
      sqlConfig(0, {
        mix: { 'point-select': 1, broken: 1 },
        variables: { x: { kind: 'int', min: 1, max: 3 } },
        transactions: { broken: [{ sql: 'SELECT 1 / ($1::int - $1::int)', params: ['x'] }] },
      }),
      { clientIndex: 0, outDir: out, log: () => undefined },
    );
    expect(first.workload?.phases?.load).toMatchObject({ items: 300, failed: 0 });
    const classes = first.workload!.classes!;
    expect(classes['point-select']!.failed).toBe(0);
    expect(classes.broken!.ok).toBe(0);
    expect(classes.broken!.failed).toBeGreaterThan(0);
    expect(first.total.errors).toEqual({ sql_22012: classes.broken!.failed });

    // A later stage of the same benchmark finds the table loaded: no load phase.
    const second = await runLoadgen(sqlConfig(1, {}), { clientIndex: 0, outDir: out, log: () => undefined });
    expect(second.workload?.phases).toBeUndefined();
    expect(second.total.failed).toBe(0);
    expect(second.workload?.counters?.rows).toBe(60);
  });
});
