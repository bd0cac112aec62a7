/**
 * `npm run bench:loadgen`: how fast and how exact is one loadgen process?
 *  (a) highest streamed req/s against the simulator at zero delay (16 chunks a response), beside
 *      wrk and k6 on the same endpoint in the same run (rounds interleaved, best round each);
 *  (b) schedule lag and achieved/requested rate at 100, 1,000 and 5,000 req/s Poisson;
 *  (c) TTFT, TPOT and ITL error against the simulator's own record of what it did (bench/accuracy.ts),
 *      beside curl (a C client) on the same transport; the simulator's lateness against its
 *      configured delays is printed too.
 * BENCH_PARTS (default `abc`) picks the parts to run, for working on one of them.
 * Prints the machine, a table, and last the RESULT line (design.md §6). Not a test: no assertions;
 * the targets are printed beside the figures.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Table from 'cli-table3';
import {
  createHistogram,
  decodeHistogram,
  forEachValueMs,
  type Histogram,
  summarize,
} from '../core/histograms';
import { loadgenFiles } from '../core/jobs';
import type { ClientResult, LoadgenConfig, RequestRecord } from '../core/loadgen-protocol';
import { repoRoot } from '../core/node/config';
import { absQuantiles, measurementErrors, type ServerTiming, serverLateness } from './accuracy';
import { parseCurlTrace } from './curl-trace';
import { loadAverage, machineLine } from './machine';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PARTS = process.env.BENCH_PARTS ?? 'abc';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 64;
const CHUNKS = 16;
const K6 = join(repoRoot, '.tools', 'bin', 'k6');
const work = mkdtempSync(join(tmpdir(), 'aifb-bench-'));

const BODY = JSON.stringify({
  model: 'aifb-sim',
  messages: [
    { role: 'user', content: 'the of and to in is you that it he was for on are as with his they at be' },
  ],
  max_tokens: CHUNKS,
  min_tokens: CHUNKS,
  ignore_eos: true,
  stream: true,
  stream_options: { include_usage: true },
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      out += d;
    });
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}:\n${out}`)),
    );
  });
}

async function startSimulator(args: string[]): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [join(repoRoot, 'dist', 'simulator.mjs'), '--port', String(port), ...args],
    {
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, proc };
    await sleep(100);
  }
  throw new Error('simulator did not start');
}

/** Stops a simulator and waits for it to exit (so its timing log is complete). */
async function stopSimulator(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
}

const readJsonl = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

/** One loadgen process (the bundle, as a client job runs it); returns its result and folder. */
async function loadgen(
  url: string,
  load: LoadgenConfig['load'],
  seconds: number,
  name: string,
  extra: Partial<LoadgenConfig> = {},
): Promise<ClientResult & { dir: string }> {
  const dir = mkdtempSync(join(work, `${name}-`));
  const config: LoadgenConfig = {
    version: 2,
    benchmarkId: 'bench',
    stageIndex: 0,
    stageName: name,
    baseUrl: url,
    api: 'openai-chat',
    model: 'aifb-sim',
    clientCount: 1,
    load,
    timing: { warmupMs: 1000, durationMs: seconds * 1000, cooldownMs: 2000 },
    dataset: {
      synthetic: { inputTokens: { mean: 24 }, outputTokens: { mean: CHUNKS } },
      seed: 1,
      exactOutputLength: true,
    },
    requestTimeoutMs: 10_000,
    ...extra,
  };
  writeFileSync(join(dir, 'loadgen-config.json'), JSON.stringify(config));
  await run(process.execPath, [
    join(repoRoot, 'dist', 'loadgen.mjs'),
    '--config',
    join(dir, 'loadgen-config.json'),
    '--index',
    '0',
  ]);
  return { ...(JSON.parse(readFileSync(join(dir, loadgenFiles.result(0, 0)), 'utf8')) as ClientResult), dir };
}

const windowS = (r: ClientResult) => (r.windowEndMs - r.windowStartMs) / 1000;
/** V8 heap bytes the loadgen allocated per request it sent, warm-up and cool-down included (its own count). */
const allocPerReq = (r: ClientResult) => (r.loadgen.heapAllocatedBytes ?? Number.NaN) / r.total.sent;
const hist = (r: ClientResult, k: keyof ClientResult['histograms']) => decodeHistogram(r.histograms[k] ?? '');

async function wrk(url: string): Promise<number> {
  const lua = join(work, 'post.lua');
  writeFileSync(
    lua,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${BODY}'\n`,
  );
  const out = await run('wrk', [
    '-t1',
    `-c${CONNECTIONS}`,
    `-d${SECONDS}s`,
    '-s',
    lua,
    `${url}/v1/chat/completions`,
  ]);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
}

async function k6(url: string): Promise<number> {
  const script = join(work, 'k6.js');
  const summary = join(work, 'k6-summary.json');
  writeFileSync(
    script,
    `import http from 'k6/http';
export const options = { vus: ${CONNECTIONS}, duration: '${SECONDS}s', summaryTrendStats: ['p(50)'] };
const body = ${JSON.stringify(BODY)};
const params = { headers: { 'Content-Type': 'application/json' } };
export default function () { http.post('${url}/v1/chat/completions', body, params); }
export function handleSummary(data) { return { ${JSON.stringify(summary)}: JSON.stringify(data) }; }
`,
  );
  await run(K6, ['run', '--quiet', '--no-usage-report', script]);
  const data = JSON.parse(readFileSync(summary, 'utf8')) as {
    metrics: { http_reqs: { values: { rate: number } } };
  };
  return data.metrics.http_reqs.values.rate;
}

/** Quantiles of |value − known| over a histogram's recorded values. */
function errorQuantiles(h: Histogram, knownMs: number): { p50: number; p99: number } {
  const err = createHistogram();
  forEachValueMs(h, (ms, n) => err.recordValueWithCount(Math.round(Math.abs(ms - knownMs) * 1000), n));
  const s = summarize(err);
  return { p50: s.p50, p99: s.p99 };
}

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
type Row = [string, string, string];
type Quantiles = { p50: number; p99: number };

/** (a) Throughput at zero delay, 16 chunks a response; rounds interleaved so noise hits all. */
async function throughput(url: string) {
  const best = { loadgen: 0, wrk: 0, k6: 0, loadgenCpu: 0, alloc: Number.NaN };
  for (let round = 0; round < ROUNDS; round++) {
    const r = await loadgen(url, { mode: 'concurrency', concurrency: CONNECTIONS }, SECONDS, `tput${round}`);
    const rps = r.measured.ok / windowS(r);
    if (rps > best.loadgen) {
      best.loadgen = rps;
      best.loadgenCpu = r.loadgen.cpuMs / r.loadgen.wallMs;
      best.alloc = allocPerReq(r);
    }
    if (r.measured.failed > 0)
      console.log(`loadgen round ${round}: ${r.measured.failed} failed`, r.measured.errors);
    const w = await wrk(url);
    const k = await k6(url);
    best.wrk = Math.max(best.wrk, w);
    best.k6 = Math.max(best.k6, k);
    console.log(
      `round ${round + 1}/${ROUNDS}: loadgen ${f(rps, 0)}, wrk ${f(w, 0)}, k6 ${f(k, 0)} req/s ` +
        `(best so far ${f(best.loadgen, 0)} / ${f(best.wrk, 0)} / ${f(best.k6, 0)})`,
    );
  }
  const rows: Row[] = [
    ['(a) loadgen streamed req/s (c64, all metrics)', f(best.loadgen, 0), '≥ 10,000'],
    ['    wrk req/s (C, reads bytes only)', f(best.wrk, 0), ''],
    ['    k6 req/s', f(best.k6, 0), ''],
    [
      '    loadgen / wrk',
      `${f((best.loadgen / best.wrk) * 100)}%`,
      `≥ 90% (${mark(best.loadgen >= 0.9 * best.wrk)})`,
    ],
    [
      '    loadgen / k6',
      `${f((best.loadgen / best.k6) * 100)}%`,
      `≥ 100% (${mark(best.loadgen >= best.k6)})`,
    ],
    ['    loadgen CPU (cores) in its best round', f(best.loadgenCpu, 2), ''],
    ['    loadgen heap bytes allocated per request, best round', f(best.alloc, 0), ''],
  ];
  const result = [
    `loadgen_rps=${best.loadgen.toFixed(0)}`,
    `k6_rps=${best.k6.toFixed(0)}`,
    `wrk_rps=${best.wrk.toFixed(0)}`,
    `loadgen_vs_wrk=${(best.loadgen / best.wrk).toFixed(3)}`,
    `alloc_bytes_per_req=${best.alloc.toFixed(0)}`,
  ];
  return { rows, result };
}

/** (b) Poisson schedules against the zero-delay endpoint. */
async function scheduleLag(url: string) {
  const rows: Row[] = [];
  const result: string[] = [];
  for (const rate of [100, 1000, 5000]) {
    const r = await loadgen(url, { mode: 'poisson', rate }, rate >= 5000 ? 6 : 10, `p${rate}`);
    const s = summarize(hist(r, 'scheduleLag'));
    const achieved = r.measured.sent / windowS(r);
    // Error against what the seeded schedule asked for in the window (the generator's own
    // shortfall); a Poisson count itself varies by ±1/√n around rate × window (vsRatePct).
    const scheduled = r.scheduled ?? Number.NaN;
    const errorPct = ((r.measured.sent - scheduled) / scheduled) * 100;
    const vsRatePct = ((achieved - rate) / rate) * 100;
    const alloc = allocPerReq(r);
    const target = rate === 1000 ? 1 : rate === 5000 ? 2 : Number.POSITIVE_INFINITY;
    rows.push([
      `(b) Poisson ${rate}/s: lag p50 / p99 ms; sent/scheduled error; achieved/s (vs rate); heap bytes/req`,
      `${f(s.p50, 3)} / ${f(s.p99, 3)}; ${f(errorPct, 2)}%; ${f(achieved)} (${f(vsRatePct, 2)}%); ${f(alloc, 0)}`,
      `${Number.isFinite(target) ? `p99 ≤ ${target} ms, ` : ''}within 1% (${mark(s.p99 <= target && Math.abs(errorPct) <= 1)})`,
    ]);
    result.push(`alloc_bytes_per_req_${rate}=${alloc.toFixed(0)}`);
    if (rate >= 1000) {
      result.push(
        `sched_lag_p99_ms_${rate}=${s.p99.toFixed(3)}`,
        `rate_error_pct_${rate}=${errorPct.toFixed(3)}`,
      );
      if (rate === 1000) result.push(`achieved_vs_rate_pct_1000=${vsRatePct.toFixed(3)}`);
    }
  }
  return { rows, result };
}

/** curl (C) sends `n` requests (wrk's and k6's body) one after another on one connection, tracing every read. */
async function curlPeer(url: string, n: number): Promise<RequestRecord[]> {
  const args: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) args.push('--next');
    args.push(
      '-s',
      '-o',
      '/dev/null',
      '-H',
      `x-request-id: curl-${i}`,
      '-H',
      'content-type: application/json',
    );
    args.push('-d', BODY, `${url}/v1/chat/completions`);
  }
  // To a file: traced to stdout, curl left out the dumps of some reads.
  const file = join(work, 'curl-trace.txt');
  await run('curl', ['--no-buffer', '--trace-time', '--trace-ascii', file, ...args]);
  return parseCurlTrace(readFileSync(file, 'utf8'));
}

/**
 * (c) Accuracy: constant TTFT 20 ms, 5 ms a token, 16 tokens one a chunk. Every client is held
 * against the simulator's own record of each request (bench/accuracy.ts): the loadgen at Poisson
 * 100/s (the target), the same with `busyPoll`, the loadgen one request at a time, and curl one
 * request at a time (the peer: a C client on the same transport). The simulator's lateness
 * against its configured delays, and the loadgen against the configured delays (both together),
 * are printed too.
 */
async function accuracy() {
  const known = { ttftMs: 20, itlMs: 5 };
  const timingLog = join(work, 'timing.jsonl');
  const timed = await startSimulator([
    '--ttft-ms',
    String(known.ttftMs),
    '--itl-ms',
    String(known.itlMs),
    '--output-tokens',
    String(CHUNKS),
    ...(process.env.BENCH_PRECISE === '1' ? ['--precise-timing'] : []),
    '--timing-log',
    timingLog,
  ]);
  const clients: { name: string; key: string; records: () => RequestRecord[] }[] = [];
  const fromLoadgen = (r: { dir: string }) => () =>
    readJsonl<RequestRecord>(join(r.dir, loadgenFiles.requests(0, 0)));
  let poisson: ClientResult & { dir: string };
  try {
    const rate = { mode: 'poisson', rate: 100 } as const;
    poisson = await loadgen(timed.url, rate, 10, 'acc-poisson', {
      benchmarkId: 'acc-poisson',
      recordRequests: true,
    });
    clients.push({ name: 'loadgen Poisson 100/s', key: '', records: fromLoadgen(poisson) });
    const busy = await loadgen(timed.url, rate, 10, 'acc-busy', {
      benchmarkId: 'acc-busy',
      recordRequests: true,
      busyPoll: true,
    });
    clients.push({ name: 'same, busyPoll', key: 'busy_', records: fromLoadgen(busy) });
    const sync = await loadgen(timed.url, { mode: 'synchronous' }, 10, 'acc-sync', {
      benchmarkId: 'acc-sync',
      recordRequests: true,
    });
    clients.push({ name: 'loadgen sync', key: 'sync_', records: fromLoadgen(sync) });
    const curl = await curlPeer(timed.url, 100);
    clients.push({ name: 'curl sync', key: 'curl_', records: () => curl });
  } finally {
    await stopSimulator(timed.proc);
  }
  const server = readJsonl<ServerTiming>(timingLog);
  const runs = clients.map((c) => ({ ...c, errors: measurementErrors(c.records(), server) }));
  const names = runs.map((r) => r.name).join(' | ');
  const pq = (q: Quantiles) => `${f(q.p50, 3)} / ${f(q.p99, 3)}`;
  const rows: Row[] = [
    [
      `(c) requests joined with the simulator's record (unmatched): ${names}`,
      runs.map((r) => `${r.errors.joined} (${r.errors.unmatched})`).join(' | '),
      `unmatched 0 (${mark(runs.every((r) => r.errors.unmatched === 0 && r.errors.joined > 0))})`,
    ],
  ];
  const result: string[] = [];
  for (const k of ['ttft', 'tpot', 'itl'] as const) {
    const q = runs.map((r) => absQuantiles(r.errors[k]));
    rows.push([
      `(c) ${k.toUpperCase()} error p50 / p99 ms vs the simulator's record: ${names}`,
      q.map(pq).join(' | '),
      `p99 ≤ 0.5 (${mark(q[0]!.p99 <= 0.5)}; busyPoll ${mark(q[1]!.p99 <= 0.5)})`,
    ]);
    runs.forEach((r, i) => {
      result.push(`${r.key}${k}_err_p99_ms=${q[i]!.p99.toFixed(3)}`);
    });
  }
  // Service time: the server's delay as the client saw it (the schedule lag is reported in (b)).
  const vsConfigured = {
    ttft: errorQuantiles(hist(poisson, 'ttftService'), known.ttftMs),
    itl: errorQuantiles(hist(poisson, 'itl'), known.itlMs),
  };
  const late = serverLateness(server, known);
  const simLate = { ttft: absQuantiles(late.ttft), itl: absQuantiles(late.itl) };
  rows.push(
    [
      `    TTFT, ITL p50 / p99 ms: simulator's own lateness vs configured ${known.ttftMs}, ${known.itlMs} ms`,
      `${pq(simLate.ttft)}, ${pq(simLate.itl)}`,
      '',
    ],
    [
      `    TTFT, ITL p50 / p99 ms: loadgen Poisson vs configured (both errors together)`,
      `${pq(vsConfigured.ttft)}, ${pq(vsConfigured.itl)}`,
      '',
    ],
  );
  result.push(
    `ttft_vs_configured_p99_ms=${vsConfigured.ttft.p99.toFixed(3)}`,
    `itl_vs_configured_p99_ms=${vsConfigured.itl.p99.toFixed(3)}`,
  );
  return { rows, result };
}

async function main() {
  execFileSync('bash', [join(repoRoot, 'bench', 'install-tools.sh')], { stdio: 'inherit' });
  execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'build.ts')], {
    stdio: 'ignore',
  });
  const k6Version = execFileSync(K6, ['version']).toString().trim().split('\n')[0];
  // `wrk -v` prints its version, then exits 1.
  const wrkVersion = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split(' Copyright')[0] ?? 'wrk';
  console.log(machineLine(k6Version ?? 'k6', wrkVersion.trim()));

  const parts: { rows: Row[]; result: string[] }[] = [];
  if (PARTS.includes('a') || PARTS.includes('b')) {
    const zero = await startSimulator(['--ttft-ms', '0', '--itl-ms', '0', '--output-tokens', String(CHUNKS)]);
    try {
      if (PARTS.includes('a')) parts.push(await throughput(zero.url));
      if (PARTS.includes('b')) parts.push(await scheduleLag(zero.url));
    } finally {
      await stopSimulator(zero.proc);
    }
  }
  if (PARTS.includes('c')) parts.push(await accuracy());

  const table = new Table({ head: ['measure', 'value', 'target'] });
  for (const p of parts) table.push(...p.rows);
  console.log(table.toString());
  console.log(`load average at end ${loadAverage()}`);
  console.log(['RESULT', ...parts.flatMap((p) => p.result)].join(' '));
}

await main();
