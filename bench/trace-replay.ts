/**
 * `npm run bench:trace`: how close to its trace time does loadgen send each request of a
 * replayed trace? One client replays a 600-request Mooncake-format trace at 100 req/s on average
 * (irregular seeded gaps, some simultaneous arrivals) against the local SSE test server, in
 * ROUNDS rounds; the schedule lag (actual − trace time) of every request is the figure. Prints
 * the machine's load, one row per round, and last the RESULT line (the median round). Not a
 * test: no assertions; the target (p99 <= 2 ms) is printed beside the figures.
 * BENCH_MODE=constant runs the same 600 requests as a constant 100 req/s instead: the same
 * send path without the trace, to tell the trace's timing from the machine's.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeHistogram, summarize } from '../core/histograms';
import type { LoadgenConfig } from '../core/loadgen-protocol';
import { runLoadgen } from '../loadgen/runner';
import { startSseServer, syntheticTrace, validConfig } from '../loadgen/testing';
import { machineLine } from './machine';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const REQUESTS = 600;
const TARGET_P99_MS = 2;
const MODE = process.env.BENCH_MODE === 'constant' ? 'constant' : 'trace';

const server = await startSseServer({ ttftMs: 0, tokens: 2, gapMs: 0 });
const dir = mkdtempSync(join(tmpdir(), 'bench-trace-'));
writeFileSync(join(dir, 'trace.jsonl'), syntheticTrace(REQUESTS, 10).text);
const config: LoadgenConfig = {
  ...validConfig,
  baseUrl: server.url,
  clientCount: 1,
  load: MODE === 'constant' ? { mode: 'constant', rate: 100 } : { mode: 'trace', speed: 1 },
  timing: { warmupMs: 0, durationMs: 60_000, cooldownMs: 1000, maxRequests: REQUESTS },
  dataset: {
    trace: { format: 'mooncake', file: 'trace.jsonl', blockSize: 8 },
    seed: 1,
    exactOutputLength: true,
  },
};

console.log(machineLine());
const rounds: { p50: number; p99: number; max: number; sent: number }[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const r = await runLoadgen(config, { clientIndex: 0, outDir: dir, log: () => {} });
  const lag = summarize(decodeHistogram(r.histograms.scheduleLag));
  rounds.push({ p50: lag.p50, p99: lag.p99, max: lag.max, sent: r.total.sent });
  console.log(
    `round ${round + 1}: ${r.total.sent} sent, schedule lag p50 ${lag.p50.toFixed(3)} ms, p99 ${lag.p99.toFixed(3)} ms, max ${lag.max.toFixed(3)} ms`,
  );
}
await server.close();
const median = [...rounds].sort((a, b) => a.p99 - b.p99)[Math.floor(rounds.length / 2)]!;
console.log(`target: p99 <= ${TARGET_P99_MS} ms at 100 req/s`);
console.log(
  `RESULT mode=${MODE} req_per_s=100 requests=${REQUESTS} lag_p50_ms=${median.p50.toFixed(3)} lag_p99_ms=${median.p99.toFixed(3)} lag_max_ms=${median.max.toFixed(3)} rounds=${ROUNDS} load1=${loadavg()[0]!.toFixed(2)}`,
);
