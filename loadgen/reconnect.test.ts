/**
 * Real sockets against servers that close connections the way llama-server does (after every
 * streamed response, while announcing keep-alive) or worse: a request lost on a reused
 * connection is sent once more on a fresh one and counts as a reconnect, never twice.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientResult, LoadgenConfig, RequestRecord } from '../core/loadgen-protocol';
import { runLoadgen } from './runner';
import { validConfig } from './testing';

/**
 * - `close-after-response`: answers with keep-alive, then closes the socket 30 ms later and drops
 *   whatever request came in on it meanwhile (llama-server's behaviour, made deterministic).
 * - `reset-reused`: resets (RST) a request that is not the first on its socket.
 * - `serve-first-only`: answers the very first request, resets every other one.
 * - `reset-all`: resets every request.
 */
type Behaviour = 'close-after-response' | 'reset-reused' | 'serve-first-only' | 'reset-all';

const RESPONSE =
  'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n' +
  'data: {"choices":[{"index":0,"delta":{"content":"b"}}]}\n\n' +
  'data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}],' +
  '"usage":{"completion_tokens":2,"prompt_tokens":40,"prompt_tokens_details":{"cached_tokens":8}},' +
  '"timings":{"cache_n":8,"prompt_n":32,"prompt_ms":4,"predicted_n":2,"predicted_ms":6,"predicted_per_token_ms":3}}\n\n' +
  'data: [DONE]\n\n';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function start(behaviour: Behaviour) {
  const bodies: string[] = [];
  const onSocket = new WeakMap<Socket, number>();
  const closing = new WeakSet<Socket>();
  let served = 0;
  server = createServer((req, res) => {
    const socket = req.socket;
    const nth = onSocket.get(socket) ?? 0;
    onSocket.set(socket, nth + 1);
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (closing.has(socket)) return; // dropped: the socket is about to close
      const reset =
        behaviour === 'reset-all' ||
        (behaviour === 'reset-reused' && nth > 0) ||
        (behaviour === 'serve-first-only' && served > 0);
      if (reset) {
        socket.resetAndDestroy();
        return;
      }
      served++;
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'keep-alive' });
      res.end(RESPONSE);
      if (behaviour === 'close-after-response') {
        closing.add(socket);
        setTimeout(() => socket.destroy(), 30);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

async function run(url: string, overrides: Partial<LoadgenConfig> = {}) {
  const outDir = mkdtempSync(join(tmpdir(), 'loadgen-reconnect-'));
  const config: LoadgenConfig = {
    ...validConfig,
    baseUrl: url,
    clientCount: 1,
    load: { mode: 'concurrency', concurrency: 2 },
    timing: { warmupMs: 0, cooldownMs: 2000, maxRequests: 20 },
    requestTimeoutMs: 5000,
    recordRequests: true,
    ...overrides,
  };
  const logs: string[] = [];
  const result: ClientResult = await runLoadgen(config, { clientIndex: 0, outDir, log: (l) => logs.push(l) });
  const records = readFileSync(join(outDir, 'requests-0-0.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as RequestRecord);
  return { result, records, logs };
}

describe('reconnect after a reused connection closed before answering', () => {
  it('llama-server style closes: no failures, every lost send counted as a reconnect', async () => {
    const { url } = await start('close-after-response');
    const { result, records, logs } = await run(url);
    expect(result.measured).toMatchObject({ sent: 20, ok: 20, failed: 0, errors: {} });
    expect(result.measured.reconnects).toBeGreaterThan(0);
    expect(result.total.reconnects).toBe(result.measured.reconnects);
    const resent = records.filter((r) => r.firstSentMs !== undefined);
    expect(resent).toHaveLength(result.measured.reconnects!);
    for (const r of resent) {
      // The resend went out after the server closed the first connection (30 ms after its last answer).
      expect(r.sentMs - r.firstSentMs!).toBeGreaterThan(10);
      // Response times run from the resend, less the (zero) lag of the first send.
      expect(r.ttftMs!).toBeCloseTo(r.chunkMs![0]! + r.firstSentMs! - r.intendedMs, 2);
    }
    expect(logs.some((l) => l.includes('first reconnect'))).toBe(true);
  });

  it('a reset on a reused socket is resent on a fresh one and succeeds', async () => {
    const { url } = await start('reset-reused');
    const { result } = await run(url, { load: { mode: 'concurrency', concurrency: 1 } });
    expect(result.measured).toMatchObject({ sent: 20, ok: 20, failed: 0 });
    expect(result.measured.reconnects).toBeGreaterThan(0);
  });

  it('resends only once: a second failure counts as the error it is', async () => {
    const { url } = await start('serve-first-only');
    const { result } = await run(url, {
      load: { mode: 'concurrency', concurrency: 1 },
      timing: { warmupMs: 0, cooldownMs: 2000, maxRequests: 5 },
    });
    // Request 2 went on the first request's socket and was resent once; the rest were on fresh
    // connections, so never resent.
    expect(result.measured).toMatchObject({ sent: 5, ok: 1, failed: 4, errors: { connection_reset: 4 } });
    expect(result.measured.reconnects).toBe(1);
  });

  it('a server refusing every request still counts every failure, with no reconnects', async () => {
    const { url } = await start('reset-all');
    const { result } = await run(url, { timing: { warmupMs: 0, cooldownMs: 2000, maxRequests: 6 } });
    expect(result.measured).toMatchObject({ sent: 6, ok: 0, failed: 6, errors: { connection_reset: 6 } });
    expect(result.measured.reconnects).toBe(0);
  });
});

describe('what a llama.cpp-like server reports', () => {
  it("records served and cached input tokens and llama.cpp's timings, per request and summed", async () => {
    const { url } = await start('reset-reused');
    const { result, records } = await run(url, { timing: { warmupMs: 0, cooldownMs: 2000, maxRequests: 4 } });
    expect(result.measured).toMatchObject({
      ok: 4,
      inputTokensAsked: 400,
      inputTokensServed: 160,
      inputTokensServedRequests: 4,
      cachedTokens: 32,
      cachedTokensRequests: 4,
      serverTimings: { requests: 4, promptN: 128, predictedN: 8, cacheN: 32, cacheNRequests: 4 },
    });
    expect(typeof result.histograms.serverTpot).toBe('string');
    expect(records[0]).toMatchObject({
      askedInputTokens: 100,
      inputTokens: 40,
      cachedTokens: 8,
      serverTimings: {
        promptN: 32,
        promptMs: 4,
        predictedN: 2,
        predictedMs: 6,
        predictedPerTokenMs: 3,
        cacheN: 8,
      },
    });
  });

  it('sends cache_prompt false or a unique prefix as the config says', async () => {
    const { url, bodies } = await start('reset-reused');
    const timing = { warmupMs: 0, cooldownMs: 2000, maxRequests: 4 };
    await run(url, { timing, promptCache: { mode: 'cache_prompt_false' } });
    expect(bodies.map((b) => JSON.parse(b).cache_prompt)).toEqual([false, false, false, false]);
    bodies.length = 0;
    await run(url, { timing, promptCache: { mode: 'unique_prefix' } });
    const firstWords = bodies.map((b) => JSON.parse(b).messages[0].content.split(' ')[0]);
    expect(new Set(firstWords).size).toBe(4);
    expect(bodies.every((b) => JSON.parse(b).cache_prompt === undefined)).toBe(true);
  });
});
