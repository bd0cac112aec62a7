/**
 * Test helpers (not part of the bundle): a valid config and a tiny OpenAI-style SSE server on
 * 127.0.0.1 with fixed timing, used by the runner/CLI tests and the throughput measurement.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadgenConfig } from '../core/loadgen-protocol';
import { mulberry32 } from '../core/random';

export const validConfig: LoadgenConfig = {
  version: 2,
  benchmarkId: 'b-1',
  stageIndex: 0,
  stageName: 'c16',
  baseUrl: 'http://127.0.0.1:8000',
  api: 'openai-chat',
  model: 'm',
  clientCount: 2,
  load: { mode: 'concurrency', concurrency: 16 },
  timing: { warmupMs: 1000, durationMs: 5000, cooldownMs: 1000 },
  dataset: {
    synthetic: { inputTokens: { mean: 100 }, outputTokens: { mean: 10 } },
    seed: 1,
    exactOutputLength: true,
  },
  requestTimeoutMs: 30_000,
};

export interface SseServerOptions {
  /** Delay before the first token chunk (0 = write everything at once). */
  ttftMs: number;
  /** Token chunks per response, one token each. */
  tokens: number;
  /** Delay between token chunks. */
  gapMs: number;
  /** Non-200 status: answer every request with it and a JSON error body. */
  status?: number;
  /** Keep every request body (parsed JSON) in `bodies`. */
  recordBodies?: boolean;
}

export interface SseServer {
  url: string;
  /** Requests received so far. */
  requests: number;
  /** Their `x-request-id` headers, where present. */
  requestIds: string[];
  /** Their bodies, in arrival order (with `recordBodies`). */
  bodies: unknown[];
  /** Each body's `x-request-id` ('' without one), as `bodies`. */
  bodyIds: string[];
  close(): Promise<void>;
}

const chunk = (i: number) =>
  `data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"t${i} "}}]}\n\n`;

export async function startSseServer(opts: SseServerOptions, port = 0): Promise<SseServer> {
  const usage = `data: {"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":${opts.tokens}}}\n\ndata: [DONE]\n\n`;
  const state = { requests: 0, requestIds: [] as string[], bodies: [] as unknown[], bodyIds: [] as string[] };
  const instant =
    opts.ttftMs === 0 && opts.gapMs === 0
      ? Array.from({ length: opts.tokens }, (_, i) => chunk(i)).join('') + usage
      : null;
  const respond = (res: ServerResponse) => {
    if (opts.status !== undefined && opts.status !== 200) {
      res.writeHead(opts.status, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"injected failure"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (instant !== null) {
      res.end(instant); // zero delay: one write, so the server costs as little as possible
      return;
    }
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      res.write(chunk(i++));
      if (i < opts.tokens) setTimeout(next, opts.gapMs);
      else res.end(usage);
    };
    setTimeout(next, opts.ttftMs);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    const id = req.headers['x-request-id'];
    if (typeof id === 'string') state.requestIds.push(id);
    if (opts.recordBodies) {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        state.bodies.push(JSON.parse(Buffer.concat(parts).toString('utf8')));
        state.bodyIds.push(typeof id === 'string' ? id : '');
        respond(res);
      });
      return;
    }
    req.resume(); // the body is not needed, but must be consumed
    req.on('end', () => respond(res));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    get requests() {
      return state.requests;
    },
    requestIds: state.requestIds,
    bodies: state.bodies,
    bodyIds: state.bodyIds,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A Mooncake-format trace of `count` requests at seeded, irregular times averaging `meanGapMs`
 * apart, every 25th pair arriving together, with shared prefix blocks (even lines share blocks
 * 1 and 2, odd ones block 1 and their own). Returns the JSONL text and the send times (ms from
 * the first line).
 */
export function syntheticTrace(
  count: number,
  meanGapMs: number,
  seed = 5,
): { text: string; timesMs: number[] } {
  const rng = mulberry32(seed);
  const times: number[] = [];
  for (let k = 0, t = 1000; k < count; k++) {
    times.push(t);
    if (k % 25 !== 24) t += Math.round(rng() * 2 * meanGapMs * (25 / 24));
  }
  const text = times
    .map((t, k) =>
      JSON.stringify({
        timestamp: t,
        input_length: 20 + (k % 7),
        output_length: 2,
        hash_ids: k % 2 === 0 ? [1, 2] : [1, k + 10],
      }),
    )
    .join('\n');
  return { text, timesMs: times.map((t) => t - times[0]!) };
}
