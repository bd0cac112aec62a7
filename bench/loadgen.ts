/**
 * `npm run bench:loadgen`: how fast and how exact is one loadgen process?
 *  (a) highest streamed req/s against the simulator at zero delay (16 chunks a response), beside
 *      wrk and k6 on the same endpoint in the same run (rounds interleaved, best round each);
 *  (b) schedule lag and achieved/requested rate at 100, 1,000 and 5,000 req/s Poisson;
 *  (c) TTFT, TPOT and ITL error against the simulator's known constant delays.
 * Prints the machine, a table, and last the RESULT line (design.md §6). Not a test: no assertions;
 * the targets are printed beside the figures.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Table from 'cli-table3';
import { repoRoot } from '../core/config';
import type { ClientResult, LoadgenConfig } from '../core/loadgen-protocol';
import {
  createHistogram,
  decodeHistogram,
  forEachValueMs,
  type Histogram,
  summarize,
} from '../loadgen/histograms';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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

/** One loadgen process (the bundle, as a client job runs it); returns its result. */
async function loadgen(
  url: string,
  load: LoadgenConfig['load'],
  seconds: number,
  name: string,
): Promise<ClientResult> {
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
  };
  writeFileSync(join(dir, 'loadgen-config.json'), JSON.stringify(config));
  await run(process.execPath, [
    join(repoRoot, 'dist', 'loadgen.mjs'),
    '--config',
    join(dir, 'loadgen-config.json'),
    '--index',
    '0',
  ]);
  return JSON.parse(readFileSync(join(dir, 'result-0.json'), 'utf8')) as ClientResult;
}

const windowS = (r: ClientResult) => (r.windowEndMs - r.windowStartMs) / 1000;
const hist = (r: ClientResult, k: keyof ClientResult['histograms']) => decodeHistogram(r.histograms[k]);

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

async function main() {
  execFileSync('bash', [join(repoRoot, 'bench', 'install-tools.sh')], { stdio: 'inherit' });
  execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'build.ts')], {
    stdio: 'ignore',
  });
  const k6Version = execFileSync(K6, ['version']).toString().trim().split('\n')[0];
  // `wrk -v` prints its version, then exits 1.
  const wrkVersion = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split(' Copyright')[0] ?? 'wrk';
  console.log(
    `machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
      `Linux ${release()}, Node ${process.version}, ${k6Version}, ${wrkVersion.trim()}, ` +
      `load average at start ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
  );

  // (a) Throughput at zero delay, 16 chunks a response; rounds interleaved so noise hits all.
  const zero = await startSimulator(['--ttft-ms', '0', '--itl-ms', '0', '--output-tokens', String(CHUNKS)]);
  const best = { loadgen: 0, wrk: 0, k6: 0 };
  let loadgenCpu = 0;
  const lag: {
    rate: number;
    p50: number;
    p99: number;
    achieved: number;
    errorPct: number;
    vsRatePct: number;
  }[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const r = await loadgen(
        zero.url,
        { mode: 'concurrency', concurrency: CONNECTIONS },
        SECONDS,
        `tput${round}`,
      );
      const rps = r.measured.ok / windowS(r);
      if (rps > best.loadgen) {
        best.loadgen = rps;
        loadgenCpu = r.loadgen.cpuMs / r.loadgen.wallMs;
      }
      if (r.measured.failed > 0)
        console.log(`loadgen round ${round}: ${r.measured.failed} failed`, r.measured.errors);
      best.wrk = Math.max(best.wrk, await wrk(zero.url));
      best.k6 = Math.max(best.k6, await k6(zero.url));
      console.log(
        `round ${round + 1}/${ROUNDS}: best so far loadgen ${f(best.loadgen, 0)}, wrk ${f(best.wrk, 0)}, k6 ${f(best.k6, 0)} req/s`,
      );
    }

    // (b) Poisson schedules against the same endpoint.
    for (const rate of [100, 1000, 5000]) {
      const r = await loadgen(zero.url, { mode: 'poisson', rate }, rate >= 5000 ? 6 : 10, `p${rate}`);
      const s = summarize(hist(r, 'scheduleLag'));
      const achieved = r.measured.sent / windowS(r);
      // Error against what the seeded schedule asked for in the window (the generator's own
      // shortfall); a Poisson count itself varies by ±1/√n around rate × window (vsRatePct).
      const scheduled = r.scheduled ?? Number.NaN;
      lag.push({
        rate,
        p50: s.p50,
        p99: s.p99,
        achieved,
        errorPct: ((r.measured.sent - scheduled) / scheduled) * 100,
        vsRatePct: ((achieved - rate) / rate) * 100,
      });
    }
  } finally {
    zero.proc.kill();
  }

  // (c) Accuracy against known constant delays: TTFT 20 ms, 5 ms a token, 16 tokens, 1 a chunk.
  const known = { ttft: 20, itl: 5 };
  const timed = await startSimulator([
    '--ttft-ms',
    String(known.ttft),
    '--itl-ms',
    String(known.itl),
    '--output-tokens',
    String(CHUNKS),
    '--precise-timing',
  ]);
  let acc: Record<'ttft' | 'tpot' | 'itl', { p50: number; p99: number }>;
  try {
    const r = await loadgen(timed.url, { mode: 'poisson', rate: 100 }, 10, 'accuracy');
    // Service time: the server's delay as the client saw it (the schedule lag is reported in (b)).
    acc = {
      ttft: errorQuantiles(hist(r, 'ttftService'), known.ttft),
      tpot: errorQuantiles(hist(r, 'tpot'), known.itl),
      itl: errorQuantiles(hist(r, 'itl'), known.itl),
    };
  } finally {
    timed.proc.kill();
  }

  const table = new Table({ head: ['measure', 'value', 'target'] });
  table.push(
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
    ['    loadgen CPU (cores) in its best round', f(loadgenCpu, 2), ''],
  );
  for (const l of lag) {
    const target = l.rate === 1000 ? 1 : l.rate === 5000 ? 2 : Number.POSITIVE_INFINITY;
    table.push([
      `(b) Poisson ${l.rate}/s: lag p50 / p99 ms; sent/scheduled error; achieved/s (vs rate)`,
      `${f(l.p50, 3)} / ${f(l.p99, 3)}; ${f(l.errorPct, 2)}%; ${f(l.achieved)} (${f(l.vsRatePct, 2)}%)`,
      `${Number.isFinite(target) ? `p99 ≤ ${target} ms, ` : ''}within 1% (${mark(l.p99 <= target && Math.abs(l.errorPct) <= 1)})`,
    ]);
  }
  for (const k of ['ttft', 'tpot', 'itl'] as const) {
    table.push([
      `(c) ${k.toUpperCase()} error p50 / p99 ms`,
      `${f(acc[k].p50, 3)} / ${f(acc[k].p99, 3)}`,
      `p99 ≤ 0.5 (${mark(acc[k].p99 <= 0.5)})`,
    ]);
  }
  console.log(table.toString());
  console.log(
    `load average at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const l1000 = lag.find((l) => l.rate === 1000)!;
  const l5000 = lag.find((l) => l.rate === 5000)!;
  console.log(
    [
      'RESULT',
      `loadgen_rps=${best.loadgen.toFixed(0)}`,
      `k6_rps=${best.k6.toFixed(0)}`,
      `wrk_rps=${best.wrk.toFixed(0)}`,
      `sched_lag_p99_ms_1000=${l1000.p99.toFixed(3)}`,
      `sched_lag_p99_ms_5000=${l5000.p99.toFixed(3)}`,
      `rate_error_pct_1000=${l1000.errorPct.toFixed(3)}`,
      `rate_error_pct_5000=${l5000.errorPct.toFixed(3)}`,
      `achieved_vs_rate_pct_1000=${l1000.vsRatePct.toFixed(3)}`,
      `ttft_err_p99_ms=${acc.ttft.p99.toFixed(3)}`,
      `tpot_err_p99_ms=${acc.tpot.p99.toFixed(3)}`,
      `itl_err_p99_ms=${acc.itl.p99.toFixed(3)}`,
    ].join(' '),
  );
}

await main();
