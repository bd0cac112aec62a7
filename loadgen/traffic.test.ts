/**
 * Realistic LLM traffic through the runner, against the local SSE test server: trace replay on
 * the trace's own clock, gamma/bursts/ramp delivering exactly their schedules, multi-turn
 * sessions carrying the conversation, shared-prefix groups.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadgenConfig, RequestRecord } from '../core/loadgen-protocol';
import { runLoadgen } from './runner';
import { type SseServer, startSseServer, syntheticTrace, validConfig } from './testing';

let server: SseServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Chat {
  messages: { role: string; content: string }[];
}

/** Runs `clients` clients of one stage in this process, all starting at one instant. */
async function runClients(config: Partial<LoadgenConfig>, clients: number, setup?: (dir: string) => void) {
  const outDir = mkdtempSync(join(tmpdir(), 'loadgen-traffic-'));
  setup?.(outDir);
  const full: LoadgenConfig = {
    ...validConfig,
    baseUrl: server!.url,
    clientCount: clients,
    progressIntervalMs: 500,
    ...config,
  };
  const startAtMs = Date.now() + 200;
  const results = await Promise.all(
    Array.from({ length: clients }, (_, clientIndex) =>
      runLoadgen(full, { clientIndex, outDir, startAtMs, log: () => {} }),
    ),
  );
  const records = (i: number) =>
    readFileSync(join(outDir, `requests-0-${i}.jsonl`), 'utf8')
      .trimEnd()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as RequestRecord);
  return { results, records };
}

describe('trace replay', () => {
  // 300 requests over 3 s (100 req/s on average) at irregular, seeded times, some at the same
  // millisecond, with shared prefix blocks.
  const { text: trace, timesMs: traceTimes } = syntheticTrace(300, 10);

  it('splits the trace exactly over 2 clients, round-robin in time order, and ends with it', async () => {
    server = await startSseServer({ ttftMs: 0, tokens: 2, gapMs: 0 });
    const { results, records } = await runClients(
      {
        load: { mode: 'trace', speed: 1 },
        timing: { warmupMs: 0, durationMs: 30_000, cooldownMs: 1000 },
        dataset: {
          trace: { format: 'mooncake', file: 'trace.jsonl', blockSize: 8 },
          seed: 1,
          exactOutputLength: true,
        },
        recordRequests: true,
      },
      2,
      (dir) => writeFileSync(join(dir, 'trace.jsonl'), trace),
    );
    const intended: number[] = [];
    for (const [i, r] of results.entries()) {
      // Client i took lines i, i + 2, ...: 150 each, every one scheduled, sent and answered.
      expect(r.total).toMatchObject({ sent: 150, ok: 150, failed: 0 });
      expect(r.scheduled).toBe(150);
      expect(r.measured.sent).toBe(150);
      const own = records(i);
      // Records are written as requests end: sorted, they are this client's trace times.
      const mine = own.map((x) => x.intendedMs).sort((a, b) => a - b);
      expect(mine).toEqual(traceTimes.filter((_, k) => k % 2 === i));
      intended.push(...own.map((x) => x.intendedMs));
      // The stage ended with the trace (not its 30 s duration): one mean gap after the last.
      const span = traceTimes.at(-1)!;
      expect(r.windowEndMs - r.windowStartMs).toBeCloseTo(span + span / 299, -1);
    }
    expect(intended.sort((a, b) => a - b)).toEqual(traceTimes);
  });

  it('a speed factor compresses the clock; the input lengths and output lengths are the lines', async () => {
    server = await startSseServer({ ttftMs: 0, tokens: 2, gapMs: 0, recordBodies: true });
    const { results, records } = await runClients(
      {
        load: { mode: 'trace', speed: 4 },
        timing: { warmupMs: 0, durationMs: 30_000, cooldownMs: 1000 },
        dataset: {
          trace: { format: 'mooncake', file: 'trace.jsonl', blockSize: 8 },
          seed: 1,
          exactOutputLength: true,
        },
        recordRequests: true,
      },
      1,
      (dir) => writeFileSync(join(dir, 'trace.jsonl'), trace),
    );
    expect(results[0]!.total.sent).toBe(300);
    const sent = records(0)
      .map((x) => x.intendedMs)
      .sort((a, b) => a - b);
    for (const [k, t] of sent.entries()) expect(t).toBeCloseTo(traceTimes[k]! / 4, 2);
    // In send order (the request ids end with the client's send count): ties may arrive reordered.
    const seq = (k: number) => Number(server!.bodyIds[k]!.split('-').at(-1));
    const bodies = (server.bodies as (Chat & { max_tokens: number })[])
      .map((b, k) => ({ b, at: seq(k) }))
      .sort((x, y) => x.at - y.at)
      .map((x) => x.b);
    const words = bodies.map((b) => b.messages[0]!.content.split(' '));
    expect(words.map((w) => w.length)).toEqual(traceTimes.map((_, k) => 20 + (k % 7)));
    expect(bodies.every((b) => b.max_tokens === 2)).toBe(true);
    // Lines 0 and 2 share blocks 1 and 2 (16 words); lines 0 and 1 only block 1 (8 words).
    expect(words[2]!.slice(0, 16)).toEqual(words[0]!.slice(0, 16));
    expect(words[1]!.slice(0, 8)).toEqual(words[0]!.slice(0, 8));
    expect(words[1]!.slice(8, 16)).not.toEqual(words[0]!.slice(8, 16));
  });
});

// One client per process, as on the cluster (two in one process disturb each other's last
// sends as the first one finishes); the split over clients is exact in schedule.test.ts.
describe('arrival processes deliver exactly their schedule', () => {
  it.each([
    ['gamma', { mode: 'gamma', rate: 200, burstiness: 0.5 }, null],
    ['bursts', { mode: 'bursts', burstSize: 10, periodMs: 100 }, 100],
    ['ramp', { mode: 'ramp', fromRate: 50, toRate: 150 }, 100],
  ] as const)('%s', async (_, load, expected) => {
    server = await startSseServer({ ttftMs: 0, tokens: 2, gapMs: 0 });
    const { results } = await runClients(
      { load, timing: { warmupMs: 0, durationMs: 1000, cooldownMs: 500 } },
      1,
    );
    const scheduled = results.reduce((a, r) => a + (r.scheduled ?? 0), 0);
    const sent = results.reduce((a, r) => a + r.measured.sent, 0);
    if (expected !== null)
      expect(scheduled).toBe(expected); // bursts: 10 × 10; ramp: (50 + 150) / 2 × 1 s
    else expect(Math.abs(scheduled - 200)).toBeLessThan(80); // gamma: a random count around 200
    expect(sent).toBe(scheduled);
    for (const r of results) expect(r.measured.failed).toBe(0);
  });
});

describe('multi-turn sessions', () => {
  const sessions = (turns: number, extra: Partial<LoadgenConfig['dataset']> = {}) => ({
    synthetic: { inputTokens: { mean: 3 }, outputTokens: { mean: 2 } },
    sessions: { turns },
    seed: 1,
    exactOutputLength: true,
    ...extra,
  });

  it('closed loop: each worker runs sessions of N turns carrying the replies as returned, thinking between turns', async () => {
    server = await startSseServer({ ttftMs: 0, tokens: 2, gapMs: 0, recordBodies: true });
    const { results } = await runClients(
      {
        load: { mode: 'concurrency', concurrency: 2 },
        timing: { warmupMs: 0, cooldownMs: 500, maxRequests: 12 },
        dataset: sessions(3, { sessions: { turns: 3, thinkTimeMs: { mean: 50 } } }),
      },
      1,
    );
    const r = results[0]!;
    expect(r.total).toMatchObject({ sent: 12, ok: 12 });
    const bodies = server.bodies as Chat[];
    // 2 workers running 3-turn sessions: 1, 3 and 5 messages (a worker whose session ended
    // starts the next without thinking, so one may be a turn ahead when the budget runs out).
    const lengths = bodies.map((b) => b.messages.length);
    const n = (k: number) => lengths.filter((x) => x === k).length;
    expect(n(1) + n(3) + n(5)).toBe(12);
    expect(n(1)).toBeGreaterThanOrEqual(n(3));
    expect(n(3)).toBeGreaterThanOrEqual(n(5));
    expect(n(5)).toBeGreaterThanOrEqual(3);
    for (const b of bodies) {
      b.messages.forEach((m, k) => {
        expect(m.role).toBe(k % 2 === 0 ? 'user' : 'assistant');
        // The server's reply, as streamed: "t0 t1 ".
        if (m.role === 'assistant') expect(m.content).toBe('t0 t1 ');
      });
    }
    // Each 3-turn body continues a 1-turn body's conversation.
    const firsts = new Set(bodies.filter((b) => b.messages.length === 1).map((b) => b.messages[0]!.content));
    for (const b of bodies.filter((b) => b.messages.length === 3))
      expect(firsts.has(b.messages[0]!.content)).toBe(true);
    // 2 think times per session, 2 sessions per worker, one after the other: at least 200 ms.
    expect(r.windowEndMs - r.windowStartMs).toBeGreaterThanOrEqual(200);
  });

  it('open loop: arrivals continue ready sessions, each with a unique prefix when the cache is kept out', async () => {
    server = await startSseServer({ ttftMs: 0, tokens: 2, gapMs: 0, recordBodies: true });
    const { results } = await runClients(
      {
        load: { mode: 'constant', rate: 40 },
        timing: { warmupMs: 0, durationMs: 1000, cooldownMs: 500 },
        dataset: sessions(2),
        promptCache: { mode: 'unique_prefix' },
      },
      2,
    );
    const sent = results.reduce((a, r) => a + r.total.sent, 0);
    expect(sent).toBe(40);
    const bodies = server.bodies as Chat[];
    const lengths = bodies.map((b) => b.messages.length);
    // Turns alternate: every second arrival of a client finds its previous session ready.
    expect(lengths.filter((n) => n === 3).length).toBeGreaterThan(10);
    expect(lengths.every((n) => n === 1 || n === 3)).toBe(true);
    const firstContents = bodies.map((b) => b.messages[0]!.content);
    expect(firstContents.every((c) => /^\[[0-9a-f]{8} 0\.[01]\.\d+\] /.test(c))).toBe(true);
    expect(new Set(firstContents).size).toBe(bodies.length);
  });
});

describe('shared-prefix groups', () => {
  it('every request carries one of N system prompts of the asked length, the same on every client', async () => {
    server = await startSseServer({ ttftMs: 0, tokens: 2, gapMs: 0, recordBodies: true });
    const { results } = await runClients(
      {
        load: { mode: 'concurrency', concurrency: 2 },
        timing: { warmupMs: 0, cooldownMs: 500, maxRequests: 40 },
        dataset: {
          synthetic: { inputTokens: { mean: 5 }, outputTokens: { mean: 2 } },
          sharedPrefix: { groups: 3, words: 30 },
          seed: 4,
          exactOutputLength: true,
        },
      },
      2,
    );
    expect(results.reduce((a, r) => a + r.total.ok, 0)).toBe(40);
    const bodies = server.bodies as Chat[];
    const systems = bodies.map((b) => b.messages[0]!);
    expect(systems.every((m) => m.role === 'system' && m.content.split(' ').length === 30)).toBe(true);
    expect(new Set(systems.map((m) => m.content)).size).toBe(3);
    // The user prompts stay unique.
    expect(new Set(bodies.map((b) => b.messages[1]!.content)).size).toBe(40);
  });
});
