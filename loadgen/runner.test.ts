import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeHistogram, summarize } from '../core/histograms';
import type { ClientResult, LoadgenConfig, ProgressSnapshot, RequestRecord } from '../core/loadgen-protocol';
import { runLoadgen } from './runner';
import { type SseServer, type SseServerOptions, startSseServer, validConfig } from './testing';

let server: SseServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(
  serverOpts: SseServerOptions | null,
  overrides: Partial<LoadgenConfig>,
  signal?: AbortSignal,
) {
  if (serverOpts) server = await startSseServer(serverOpts);
  const outDir = mkdtempSync(join(tmpdir(), 'loadgen-test-'));
  const config: LoadgenConfig = {
    ...validConfig,
    baseUrl: server?.url ?? validConfig.baseUrl,
    clientCount: 1,
    progressIntervalMs: 200,
    ...overrides,
  };
  const logs: string[] = [];
  const returned = await runLoadgen(config, { clientIndex: 0, outDir, signal, log: (l) => logs.push(l) });
  const result = JSON.parse(readFileSync(join(outDir, 'result-0-0.json'), 'utf8')) as ClientResult;
  const progress = readFileSync(join(outDir, 'progress-0-0.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as ProgressSnapshot);
  expect(result).toEqual(returned);
  return { result, progress, logs };
}

const summary = (r: ClientResult, k: keyof ClientResult['histograms']) =>
  summarize(decodeHistogram(r.histograms[k] ?? ''));

describe('runner against a local SSE server', () => {
  it('measures TTFT/ITL of a 20 ms + 5 × 5 ms stream at concurrency 4', async () => {
    const timing = { warmupMs: 500, durationMs: 1500, cooldownMs: 1000 };
    const { result, progress, logs } = await run(
      { ttftMs: 20, tokens: 5, gapMs: 5 },
      { load: { mode: 'concurrency', concurrency: 4 }, timing },
    );
    const m = result.measured;
    // Each request takes >= 20 + 4 × 5 = 40 ms, so 4 loops fit at most 4 × 1500 / 40 = 150 sends.
    expect(m.ok).toBeGreaterThan(50);
    expect(m.ok).toBeLessThanOrEqual(150 + 4);
    expect(m.failed).toBe(0);
    expect(m.errors).toEqual({});
    expect(m.outputTokens).toBe(5 * m.ok);
    expect(m.streamChunks).toBe(5 * m.ok);
    expect(m.inputTokens).toBe(3 * m.ok); // the server's usage.prompt_tokens wins over word counts
    expect(m.usageMissing).toBe(0);
    expect(m.goodOk).toBe(m.ok);
    expect(result.total.sent).toBeGreaterThan(m.ok); // warmup requests are sent but not measured

    const ttft = summary(result, 'ttft');
    expect(ttft.count).toBe(m.ok);
    expect(Math.abs(ttft.p50 - 20)).toBeLessThan(5);
    const itl = summary(result, 'itl');
    expect(itl.count).toBe(4 * m.ok);
    expect(Math.abs(itl.p50 - 5)).toBeLessThan(3);
    const tpot = summary(result, 'tpot');
    expect(tpot.count).toBe(m.ok);
    expect(Math.abs(tpot.p50 - 5)).toBeLessThan(3);
    expect(summary(result, 'e2e').p50).toBeGreaterThanOrEqual(40);

    expect(result.windowStartMs - result.startedAtMs).toBeGreaterThanOrEqual(499);
    expect(Math.abs(result.windowEndMs - result.windowStartMs - 1500)).toBeLessThanOrEqual(2);
    expect(result.endedAtMs).toBeGreaterThanOrEqual(result.windowEndMs);

    // Progress: whole JSON lines, cumulative, ending with 'done' that matches the result.
    expect(progress.length).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < progress.length; i++) {
      const [a, b] = [progress[i - 1]!, progress[i]!];
      for (const k of ['sent', 'ok', 'failed', 'outputTokens', 'timeMs', 'elapsedMs'] as const) {
        expect(b[k], `${k} at line ${i}`).toBeGreaterThanOrEqual(a[k]);
      }
    }
    // Phases in order; cooldown lasts ~40 ms here so a 200 ms tick may miss it.
    const phases = [...new Set(progress.map((p) => p.phase))].filter((p) => p !== 'cooldown');
    expect(phases).toEqual(['warmup', 'measuring', 'done']);
    const order = ['warmup', 'measuring', 'cooldown', 'done'];
    const ranks = progress.map((p) => order.indexOf(p.phase));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ phase: 'done', sent: result.total.sent, ok: result.total.ok, inFlight: 0 });
    expect(last.ttftP50Ms).not.toBeNull();
    expect(logs.at(-1)).toMatch(/^\[loadgen 0\] done .* measured sent=\d+ ok=\d+ failed=0/);
  });

  it('counts HTTP 500s by kind with empty histograms, and completes normally', async () => {
    const { result } = await run(
      { ttftMs: 0, tokens: 1, gapMs: 0, status: 500 },
      {
        load: { mode: 'concurrency', concurrency: 2 },
        timing: { warmupMs: 0, durationMs: 400, cooldownMs: 500 },
      },
    );
    expect(result.measured.failed).toBeGreaterThan(0);
    expect(result.measured.ok).toBe(0);
    expect(result.measured.errors).toEqual({ http_500: result.measured.failed });
    expect(result.total).toEqual({
      sent: result.total.failed,
      ok: 0,
      failed: result.total.failed,
      errors: { http_500: result.total.failed },
      reconnects: 0,
    });
    for (const k of ['ttft', 'e2e', 'itl', 'itlPerToken', 'tpot'] as const)
      expect(summary(result, k).count).toBe(0);
  });

  it('stops on the abort signal: in-flight requests counted as aborted, window ends at the stop', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 700);
    const t0 = Date.now();
    const { result, progress } = await run(
      { ttftMs: 10, tokens: 100, gapMs: 50 }, // 5 s per request: all 3 are in flight at the stop
      {
        load: { mode: 'concurrency', concurrency: 3 },
        timing: { warmupMs: 200, durationMs: 10_000, cooldownMs: 10_000 },
      },
      stop.signal,
    );
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(result.total).toEqual({ sent: 3, ok: 0, failed: 3, errors: { aborted: 3 }, reconnects: 0 });
    // Sent at t≈0, inside warmup: counted in total only.
    expect(result.measured.failed).toBe(0);
    expect(result.windowEndMs - result.windowStartMs).toBeGreaterThanOrEqual(450);
    expect(result.windowEndMs - result.windowStartMs).toBeLessThan(700);
    expect(progress.at(-1)?.phase).toBe('done');
  });

  it('counts requests cut at the end of cooldown as aborted when sent in the window', async () => {
    const { result } = await run(
      { ttftMs: 10, tokens: 100, gapMs: 50 },
      {
        load: { mode: 'concurrency', concurrency: 2 },
        timing: { warmupMs: 0, durationMs: 300, cooldownMs: 200 },
      },
    );
    expect(result.measured.errors).toEqual({ aborted: 2 });
    expect(result.total).toEqual({ sent: 2, ok: 0, failed: 2, errors: { aborted: 2 }, reconnects: 0 });
  });

  it('honours maxRequests and ends the window at the last completion', async () => {
    const { result } = await run(
      { ttftMs: 5, tokens: 2, gapMs: 5 },
      {
        load: { mode: 'concurrency', concurrency: 2 },
        timing: { warmupMs: 0, durationMs: 10_000, cooldownMs: 1000, maxRequests: 10 },
      },
    );
    expect(result.total).toEqual({ sent: 10, ok: 10, failed: 0, errors: {}, reconnects: 0 });
    expect(result.measured.ok).toBe(10);
    expect(result.windowEndMs - result.windowStartMs).toBeLessThan(2000);
    expect(result.windowEndMs - result.windowStartMs).toBeGreaterThanOrEqual(50); // 5 rounds of >= 10 ms
  });

  it('classifies timeouts and refused connections', async () => {
    const slow = await run(
      { ttftMs: 2000, tokens: 1, gapMs: 0 },
      {
        load: { mode: 'concurrency', concurrency: 1 },
        timing: { warmupMs: 0, durationMs: 250, cooldownMs: 1000 },
        requestTimeoutMs: 100,
      },
    );
    expect(slow.result.measured.errors.timeout).toBeGreaterThanOrEqual(2);
    expect(Object.keys(slow.result.measured.errors)).toEqual(['timeout']);
    await server?.close();
    const closedUrl = server!.url;
    server = undefined;
    const refused = await run(null, {
      baseUrl: closedUrl,
      load: { mode: 'concurrency', concurrency: 1 },
      timing: { warmupMs: 0, durationMs: 100, cooldownMs: 100 },
    });
    expect(refused.result.measured.failed).toBeGreaterThan(0);
    expect(refused.result.measured.errors).toEqual({ connection_refused: refused.result.measured.failed });
    // Backoff: a refused connection is retried at most ~every 10, 20, 40... ms, not in a tight loop.
    expect(refused.result.total.sent).toBeLessThan(10);
  });

  it('a client with no share idles through the stage and writes an empty result', async () => {
    const t0 = Date.now();
    const outDir = mkdtempSync(join(tmpdir(), 'loadgen-test-'));
    const config: LoadgenConfig = {
      ...validConfig,
      clientCount: 3,
      load: { mode: 'concurrency', concurrency: 2 },
      timing: { warmupMs: 100, durationMs: 300, cooldownMs: 1000 },
    };
    const result = await runLoadgen(config, { clientIndex: 2, outDir, log: () => {} });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    expect(result.total).toEqual({ sent: 0, ok: 0, failed: 0, errors: {}, reconnects: 0 });
    expect(result.measured.ok).toBe(0);
    expect(result.windowEndMs - result.windowStartMs).toBeGreaterThanOrEqual(299);
    expect(JSON.parse(readFileSync(join(outDir, 'result-0-2.json'), 'utf8'))).toEqual(result);
  });
});

describe('open-loop and bounded modes', () => {
  it('constant rate: sends exactly rate × duration in the window, on time, with lag recorded', async () => {
    const { result } = await run(
      { ttftMs: 2, tokens: 3, gapMs: 1 },
      { load: { mode: 'constant', rate: 200 }, timing: { warmupMs: 200, durationMs: 1000, cooldownMs: 500 } },
    );
    // Intended times 0, 5, 10, ... ms: exactly 200 of them fall in [200, 1200).
    expect(result.measured.sent).toBe(200);
    expect(result.measured.ok).toBe(200);
    expect(result.total.sent).toBe(240);
    expect(result.share).toEqual({ concurrency: null, ratePerS: 200, maxRequests: null });
    expect(result.scheduled).toBe(200);
    expect(summary(result, 'scheduleLag').count).toBe(200);
    const ttft = summary(result, 'ttft');
    const service = summary(result, 'ttftService');
    expect(ttft.count).toBe(200);
    // Response time includes the (small) lag: never below the service time.
    expect(ttft.p50).toBeGreaterThanOrEqual(service.p50);
    expect(result.loadgen.cpuMs).toBeGreaterThan(0);
    expect(result.loadgen.heapAllocatedBytes).toBeGreaterThan(0);
  });

  it('poisson with a request budget only: sends exactly the budget; window ends at the next arrival', async () => {
    const { result } = await run(
      { ttftMs: 0, tokens: 2, gapMs: 0 },
      { load: { mode: 'poisson', rate: 500 }, timing: { warmupMs: 0, cooldownMs: 500, maxRequests: 100 } },
    );
    expect(result.total).toMatchObject({ sent: 100, ok: 100 });
    expect(result.measured.sent).toBe(100);
    // 100 arrivals at 500/s take about 200 ms.
    const windowMs = result.windowEndMs - result.windowStartMs;
    expect(windowMs).toBeGreaterThan(100);
    expect(windowMs).toBeLessThan(400);
  });

  it('a concurrency cap holds sends back, and the wait shows as schedule lag and response time', async () => {
    const { result } = await run(
      { ttftMs: 100, tokens: 1, gapMs: 0 },
      {
        load: { mode: 'constant', rate: 100, maxConcurrency: 2 },
        timing: { warmupMs: 0, durationMs: 1000, cooldownMs: 2000 },
      },
    );
    // 100 were due in the window; at 2 in flight × 100 ms only ~20 can go out per second, and
    // the rest go out late (their intended time is still inside the window).
    expect(result.measured.sent).toBeLessThan(40);
    expect(result.scheduled).toBe(100); // what the schedule asked for in the window
    expect(summary(result, 'scheduleLag').max).toBeGreaterThan(200);
    expect(summary(result, 'ttft').p99).toBeGreaterThan(summary(result, 'ttftService').p99 + 100);
  });

  it('throughput mode: everything at once up to the cap, bounded by a request count', async () => {
    const { result } = await run(
      { ttftMs: 5, tokens: 2, gapMs: 1 },
      {
        load: { mode: 'throughput', maxConcurrency: 8 },
        timing: { warmupMs: 0, cooldownMs: 500, maxRequests: 40 },
      },
    );
    expect(result.total).toMatchObject({ sent: 40, ok: 40, failed: 0 });
    expect(result.share.concurrency).toBe(8);
  });

  it('synchronous: one request at a time', async () => {
    const { result } = await run(
      { ttftMs: 20, tokens: 1, gapMs: 0 },
      { load: { mode: 'synchronous' }, timing: { warmupMs: 0, durationMs: 500, cooldownMs: 500 } },
    );
    // >= 20 ms each, one after the other: at most 25 in 500 ms.
    expect(result.total.sent).toBeLessThanOrEqual(26);
    expect(result.total.sent).toBeGreaterThan(5);
  });

  it('busy poll keeps the process on the CPU while it waits for chunks; without it the process sleeps', async () => {
    const options = { ttftMs: 50, tokens: 2, gapMs: 50 };
    const stage = {
      load: { mode: 'synchronous' },
      timing: { warmupMs: 0, durationMs: 600, cooldownMs: 300 },
    } as const;
    const cores = (r: ClientResult) => r.loadgen.cpuMs / r.loadgen.wallMs;
    // Busy first: the first run in a worker also pays for warming up, which only makes the
    // sleeping figure (measured second) cleaner.
    const busy = cores((await run(options, { ...stage, busyPoll: true })).result);
    await server?.close();
    const sleeping = cores((await run(options, stage)).result);
    expect(sleeping).toBeLessThan(0.3);
    expect(busy).toBeGreaterThan(Math.max(0.5, 2 * sleeping));
  });

  it('writes one record per request when asked, and refuses a missing API key variable', async () => {
    server = await startSseServer({ ttftMs: 0, tokens: 2, gapMs: 0 });
    const outDir = mkdtempSync(join(tmpdir(), 'loadgen-test-'));
    const config: LoadgenConfig = {
      ...validConfig,
      baseUrl: server.url,
      clientCount: 1,
      load: { mode: 'concurrency', concurrency: 2 },
      timing: { warmupMs: 0, cooldownMs: 100, maxRequests: 6 },
      recordRequests: true,
      apiKeyEnv: 'AIFB_TEST_KEY',
    };
    await expect(runLoadgen(config, { clientIndex: 0, outDir, log: () => {}, env: {} })).rejects.toThrow(
      /AIFB_TEST_KEY is not set/,
    );
    await runLoadgen(config, { clientIndex: 0, outDir, log: () => {}, env: { AIFB_TEST_KEY: 'k' } });
    const records = readFileSync(join(outDir, 'requests-0-0.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as RequestRecord);
    expect(records).toHaveLength(6);
    expect(records[0]).toMatchObject({ stage: 0, client: 0, ok: true, measured: true, outputTokens: 2 });
    expect(records.map((r) => r.seq).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    // Each record's id went out as the request's x-request-id (the refused run sent nothing).
    expect(records.map((r) => r.id).sort()).toEqual([...server.requestIds].sort());
    expect(new Set(records.map((r) => r.id)).size).toBe(6);
    expect(records[0]!.id).toMatch(/^b-1-s0-c0-[0-5]$/);
    for (const r of records) {
      expect(r.chunkMs).toHaveLength(2);
      expect(r.chunkMs![0]).toBeGreaterThanOrEqual(0);
      expect(r.chunkMs![0]).toBeLessThanOrEqual(r.e2eMs! + r.intendedMs - r.sentMs + 0.001);
    }
  });
});
