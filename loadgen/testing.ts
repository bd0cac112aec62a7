/**
 * Test helpers (not part of the bundle): a valid config and a tiny OpenAI-style SSE server on
 * 127.0.0.1 with fixed timing, used by the runner/CLI tests and the throughput measurement.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadgenConfig } from '../core/loadgen-protocol';

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
}

export interface SseServer {
  url: string;
  /** Requests received so far. */
  requests: number;
  /** Their `x-request-id` headers, where present. */
  requestIds: string[];
  close(): Promise<void>;
}

const chunk = (i: number) =>
  `data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"t${i} "}}]}\n\n`;

export async function startSseServer(opts: SseServerOptions, port = 0): Promise<SseServer> {
  const usage = `data: {"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":${opts.tokens}}}\n\ndata: [DONE]\n\n`;
  const state = { requests: 0, requestIds: [] as string[] };
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
