/**
 * `npm run bench:pgbench`: aifb's sql workload against pgbench (PostgreSQL's own benchmark, C),
 * on the same server, the same statements and the same number of connections.
 *  select: pgbench's built-in select-only script (`-S`), against an aifb transaction of the same
 *          one statement (`SELECT abalance FROM pgbench_accounts WHERE aid = $1`);
 *  tpcb:   pgbench's built-in TPC-B-like script, against an aifb transaction of its five
 *          statements between BEGIN and COMMIT, the same random ranges.
 * Both prepare statements once per connection (`-M prepared`; aifb always does) and use one
 * process (`-j 1`; one loadgen client). Latencies of pgbench come from its per-transaction log
 * (`--log`), aifb's from its histograms; both over the timed run only. Rounds are interleaved
 * (pgbench, aifb, pgbench...) and the best round of each is compared.
 * A third client, a bare node-postgres loop (one connection per concurrent transaction, no pool,
 * no accounting), separates what the library costs from what aifb's runner adds on top.
 * The server is the one a `postgres` service job runs (slurm-scripts/postgres.sh).
 * Prints the machine, a table, and last the RESULT line (design.md §6). Not a test: nothing asserts.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Table from 'cli-table3';
import pg from 'pg';
import { createHistogram, decodeHistogram, summarize } from '../core/histograms';
import { loadgenFiles } from '../core/jobs';
import type { ClientResult, LoadgenConfig, SqlStatement, TemplateVariable } from '../core/loadgen-protocol';
import { repoRoot } from '../core/node/config';
import { postgresProblem } from '../services/postgres';
import { postgresScript } from '../slurm-scripts/render';
import { loadAverage, machineLine } from './machine';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
/** pgbench's scale: 100,000 accounts, 10 tellers and 1 branch each. */
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const PARTS = (process.env.BENCH_PARTS ?? 'select,tpcb').split(',');
const work = mkdtempSync(join(tmpdir(), 'aifb-bench-pg-'));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    p.stdout.on('data', (c) => {
      out += c;
    });
    p.stderr.on('data', (c) => {
      out += c;
    });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${out}`))));
  });
}

interface Server {
  url: string;
  port: number;
  password: string;
  proc: ChildProcess;
}

async function startPostgres(): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(work, 'server-'));
  const proc = spawn('bash', [postgresScript, '', 'aifb', join(dir, 'pg-password')], {
    env: { ...process.env, AIFB_JOB_DIR: dir, AIFB_PORT: String(port), AIFB_BIND_HOST: '127.0.0.1' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    await sleep(200);
    let password = '';
    try {
      password = readFileSync(join(dir, 'pg-password'), 'utf8').trim();
    } catch {
      continue;
    }
    if ((await postgresProblem(url, password, 2000)) === null) return { url, port, password, proc };
  }
  throw new Error('postgres did not start');
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

interface Figures {
  tps: number;
  p50: number;
  p99: number;
  /** The client's CPU, cores (aifb only: pgbench does not say). */
  cpu?: number;
}

/** pgbench's statements of its built-in scripts, as aifb transactions with the same ranges. */
const VARIABLES: Record<string, TemplateVariable> = {
  aid: { kind: 'int', min: 1, max: 100_000 * SCALE },
  bid: { kind: 'int', min: 1, max: SCALE },
  tid: { kind: 'int', min: 1, max: 10 * SCALE },
  delta: { kind: 'int', min: -5000, max: 5000 },
};
const SCRIPTS: Record<string, { pgbench: string[]; aifb: SqlStatement[] }> = {
  select: {
    pgbench: ['-S'],
    aifb: [{ sql: 'SELECT abalance FROM pgbench_accounts WHERE aid = $1', params: ['aid'] }],
  },
  tpcb: {
    pgbench: ['-b', 'tpcb-like'],
    aifb: [
      {
        sql: 'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2',
        params: ['delta', 'aid'],
      },
      { sql: 'SELECT abalance FROM pgbench_accounts WHERE aid = $1', params: ['aid'] },
      { sql: 'UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2', params: ['delta', 'tid'] },
      {
        sql: 'UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2',
        params: ['delta', 'bid'],
      },
      {
        sql: 'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)',
        params: ['tid', 'bid', 'aid', 'delta'],
      },
    ],
  },
};

const pgEnv = (s: Server) => ({ ...process.env, PGPASSWORD: s.password });
const pgArgs = (s: Server) => ['-h', '127.0.0.1', '-p', String(s.port), '-U', 'aifb'];

async function pgbench(s: Server, part: string, round: number): Promise<Figures> {
  const prefix = join(work, `pgbench-${part}-${round}`);
  const out = await run(
    'pgbench',
    [
      ...pgArgs(s),
      ...SCRIPTS[part]!.pgbench,
      '-M',
      'prepared',
      '-c',
      String(CONNECTIONS),
      '-j',
      '1',
      '-T',
      String(SECONDS),
      '-n',
      '--log',
      `--log-prefix=${prefix}`,
      'postgres',
    ],
    pgEnv(s),
  );
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1] ?? Number.NaN);
  // Per transaction: client, number, latency in µs, script, epoch s, µs.
  const h = createHistogram();
  const dir = join(prefix, '..');
  const base = prefix.slice(dir.length + 1);
  for (const f of readdirSync(dir).filter((n) => n.startsWith(`${base}.`)))
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const us = Number(line.split(' ')[2]);
      if (Number.isFinite(us) && us > 0) h.recordValue(us);
    }
  const l = summarize(h);
  return { tps, p50: l.p50, p99: l.p99 };
}

async function aifb(s: Server, part: string, round: number): Promise<Figures> {
  const dir = mkdtempSync(join(work, `aifb-${part}-${round}-`));
  const config: LoadgenConfig = {
    version: 2,
    benchmarkId: 'bench-pgbench',
    stageIndex: 0,
    stageName: part,
    baseUrl: s.url,
    api: 'sql',
    workload: {
      kind: 'sql',
      user: 'aifb',
      database: 'postgres',
      password: s.password,
      rows: 0,
      padBytes: 0,
      rangeSize: 1,
      mix: { [part]: 1 },
      variables: VARIABLES,
      transactions: { [part]: SCRIPTS[part]!.aifb },
      connections: CONNECTIONS,
    },
    model: 'postgres',
    clientCount: 1,
    load: { mode: 'concurrency', concurrency: CONNECTIONS },
    // pgbench's -T has no warm-up but excludes connecting; aifb connects in prepare: 1 s more.
    timing: { warmupMs: 1000, durationMs: SECONDS * 1000, cooldownMs: 2000 },
    dataset: {
      synthetic: { inputTokens: { mean: 1 }, outputTokens: { mean: 1 } },
      seed: round + 1,
      exactOutputLength: true,
    },
    requestTimeoutMs: 10_000,
  };
  writeFileSync(join(dir, 'loadgen-config.json'), JSON.stringify(config));
  await run(process.execPath, [
    join(repoRoot, 'dist', 'loadgen.mjs'),
    '--config',
    join(dir, 'loadgen-config.json'),
    '--index',
    '0',
  ]);
  const r = JSON.parse(readFileSync(join(dir, loadgenFiles.result(0, 0)), 'utf8')) as ClientResult;
  const cls = r.workload?.classes?.[part];
  if (!cls || cls.failed > 0) throw new Error(`aifb ${part}: ${JSON.stringify(r.measured.errors)}`);
  const l = summarize(decodeHistogram(cls.e2e));
  const seconds = (r.windowEndMs - r.windowStartMs) / 1000;
  return { tps: cls.ok / seconds, p50: l.p50, p99: l.p99, cpu: r.loadgen.cpuMs / r.loadgen.wallMs };
}

/** The bare node-postgres loop, in a process of its own (`--loop`): prints its Figures as JSON. */
async function bareLoop(s: Server, part: string, round: number): Promise<Figures> {
  const out = await run(process.execPath, [
    '--import',
    'tsx',
    join(repoRoot, 'bench', 'pgbench.ts'),
    '--loop',
    JSON.stringify({ url: s.url, password: s.password, part, seed: round }),
  ]);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Figures;
}

async function loopMain(arg: string): Promise<void> {
  const { url, password, part } = JSON.parse(arg) as { url: string; password: string; part: string };
  const at = new URL(url);
  const clients = Array.from(
    { length: CONNECTIONS },
    () =>
      new pg.Client({
        host: at.hostname,
        port: Number(at.port),
        user: 'aifb',
        database: 'postgres',
        password,
      }),
  );
  await Promise.all(clients.map((c) => c.connect()));
  const statements = SCRIPTS[part]!.aifb;
  const h = createHistogram();
  const draw = (v: TemplateVariable) =>
    v.kind === 'int' ? v.min + Math.floor(Math.random() * (v.max - v.min + 1)) : 0;
  const one = async (c: pg.Client) => {
    const values: Record<string, number> = {};
    for (const [name, v] of Object.entries(VARIABLES)) values[name] = draw(v);
    if (statements.length > 1) await c.query('BEGIN');
    for (const [i, st] of statements.entries())
      await c.query({ name: `s${i}`, text: st.sql, values: st.params.map((p) => values[p]) });
    if (statements.length > 1) await c.query('COMMIT');
  };
  const warmEnd = performance.now() + 1000;
  const end = warmEnd + SECONDS * 1000;
  let n = 0;
  let cpu0 = process.cpuUsage();
  let started = 0;
  await Promise.all(
    clients.map(async (c) => {
      for (;;) {
        const t = performance.now();
        if (t >= end) return;
        if (t >= warmEnd && started === 0) {
          started = t;
          cpu0 = process.cpuUsage();
        }
        await one(c);
        if (t >= warmEnd) {
          n++;
          h.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
        }
      }
    }),
  );
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const l = summarize(h);
  await Promise.all(clients.map((c) => c.end()));
  const figures: Figures = {
    tps: n / (wall / 1000),
    p50: l.p50,
    p99: l.p99,
    cpu: (cpu.user + cpu.system) / 1000 / wall,
  };
  console.log(JSON.stringify(figures));
}

const best = (list: Figures[]) => list.reduce((a, b) => (b.tps > a.tps ? b : a));
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

async function main(): Promise<void> {
  execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'build.ts')], {
    stdio: 'ignore',
  });
  const pgbenchVersion = execFileSync('pgbench', ['--version'], { encoding: 'utf8' }).trim();
  const server = await startPostgres();
  try {
    const version = execFileSync('psql', [...pgArgs(server), '-Atc', 'SHOW server_version', 'postgres'], {
      env: pgEnv(server),
      encoding: 'utf8',
    }).trim();
    console.log(machineLine(pgbenchVersion, `server ${version} (defaults, fsync on)`));
    console.log(
      `${CONNECTIONS} connections, one process each, ${SECONDS} s a run, ${ROUNDS} interleaved rounds, scale ${SCALE}`,
    );
    await run('pgbench', [...pgArgs(server), '-i', '-q', '-s', String(SCALE), 'postgres'], pgEnv(server));

    const table = new Table({
      head: ['mix', 'tool', 'best tx/s', 'p50 ms', 'p99 ms', 'rounds tx/s', 'client CPU'],
    });
    const result: string[] = [];
    for (const part of PARTS) {
      const figures: Record<'pgbench' | 'node-postgres loop' | 'aifb', Figures[]> = {
        pgbench: [],
        'node-postgres loop': [],
        aifb: [],
      };
      for (let round = 0; round < ROUNDS; round++) {
        figures.pgbench.push(await pgbench(server, part, round));
        figures['node-postgres loop'].push(await bareLoop(server, part, round));
        figures.aifb.push(await aifb(server, part, round));
      }
      for (const tool of ['pgbench', 'node-postgres loop', 'aifb'] as const) {
        const b = best(figures[tool]);
        table.push([
          part,
          tool,
          f1(b.tps),
          f2(b.p50),
          f2(b.p99),
          figures[tool].map((f) => f1(f.tps)).join(' '),
          b.cpu === undefined ? '-' : `${f2(b.cpu)} cores`,
        ]);
      }
      const p = best(figures.pgbench);
      const a = best(figures.aifb);
      const l = best(figures['node-postgres loop']);
      table.push([part, 'aifb / pgbench', f2(a.tps / p.tps), f2(a.p50 / p.p50), f2(a.p99 / p.p99), '', '']);
      table.push([
        part,
        'aifb / node-postgres loop',
        f2(a.tps / l.tps),
        f2(a.p50 / l.p50),
        f2(a.p99 / l.p99),
        '',
        '',
      ]);
      result.push(
        `${part}_pgbench_tps=${f1(p.tps)}`,
        `${part}_aifb_tps=${f1(a.tps)}`,
        `${part}_tps_ratio=${f2(a.tps / p.tps)}`,
        `${part}_loop_tps=${f1(l.tps)}`,
        `${part}_tps_vs_loop=${f2(a.tps / l.tps)}`,
        `${part}_pgbench_p50_ms=${f2(p.p50)}`,
        `${part}_aifb_p50_ms=${f2(a.p50)}`,
        `${part}_pgbench_p99_ms=${f2(p.p99)}`,
        `${part}_aifb_p99_ms=${f2(a.p99)}`,
      );
    }
    console.log(table.toString());
    console.log(`load average at end ${loadAverage()}`);
    console.log(['RESULT', `connections=${CONNECTIONS}`, ...result].join(' '));
  } finally {
    await stop(server.proc);
  }
}

if (process.argv[2] === '--loop') await loopMain(process.argv[3]!);
else await main();
