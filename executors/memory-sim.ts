/**
 * What the in-memory executor's jobs "do": the service is one tiny HTTP server per process that
 * answers the readiness probe as the simulator would (health, a real 1-token chat completion,
 * /v1/models, /metrics); a client's stage result is made up from its stage config and the go,
 * with real HDR histograms (core/histograms.ts) so summaries and validity take it as they are.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHistogram, encodeHistogram } from '../core/histograms';
import { type ClientResult, isOpenLoop, type LoadgenConfig, type StageLoad } from '../core/loadgen-protocol';
import type { StageGo } from '../core/stage-start';

const MODEL = 'memory';

function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  const json = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  if (path === '/health') json(200, { status: 'ok' });
  else if (path === '/v1/models') json(200, { object: 'list', data: [{ id: MODEL, object: 'model' }] });
  else if (path === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('# TYPE aifb_memory_requests_total counter\naifb_memory_requests_total 0\n');
  } else if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions')) {
    req.resume();
    req.on('end', () =>
      json(200, {
        id: 'memory-1',
        object: path.endsWith('chat/completions') ? 'chat.completion' : 'text_completion',
        model: MODEL,
        choices: [
          { index: 0, message: { role: 'assistant', content: 'Hi' }, text: 'Hi', finish_reason: 'length' },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    );
  } else json(404, { error: { message: `no route ${path}` } });
}

let server: Promise<{ host: string; port: number; close(): Promise<void> }> | undefined;

/** The process's one simulated service (started on first use, on a free loopback port). */
export function memoryService(): Promise<{ host: string; port: number; close(): Promise<void> }> {
  server ??= new Promise((resolve, reject) => {
    const s = http.createServer(answer);
    s.once('error', reject);
    // Not a reason to keep the process alive: the worker's own handles do that.
    s.listen(0, '127.0.0.1', () => {
      s.unref();
      const { port } = s.address() as AddressInfo;
      resolve({
        host: '127.0.0.1',
        port,
        close: () =>
          new Promise<void>((done) => {
            server = undefined;
            s.closeAllConnections();
            s.close(() => done());
          }),
      });
    });
  });
  return server;
}

/** One client's requests a second: its share of an open loop's rate, else 10 (100 ms a request). */
function clientRatePerS(load: StageLoad, clients: number): number {
  switch (load.mode) {
    case 'constant':
    case 'poisson':
    case 'gamma':
      return load.rate / clients;
    case 'ramp':
      return (load.fromRate + load.toRate) / 2 / clients;
    case 'bursts':
      return (load.burstSize * 1000) / load.periodMs / clients;
    default:
      return 10;
  }
}

/** When a client's stage ends: its planned end, or the stop when one came first. */
export function stageEndMs(config: LoadgenConfig, go: StageGo, stopAtMs?: number): number {
  const { warmupMs, durationMs, cooldownMs } = config.timing;
  // A stage bounded by requests only "takes" a second.
  const planned = go.startAtMs + warmupMs + (durationMs ?? 1000) + cooldownMs;
  return stopAtMs === undefined ? planned : Math.min(planned, Math.max(stopAtMs, go.startAtMs));
}

/**
 * A result as a client that met its schedule exactly would write it: every request ok in 100 ms
 * (TTFT 20 ms), the schedule's count sent, the client idle.
 */
export function simulatedResult(
  config: LoadgenConfig,
  go: StageGo,
  clientIndex: number,
  endMs: number,
): ClientResult {
  const { warmupMs, durationMs } = config.timing;
  const windowStartMs = go.startAtMs + warmupMs;
  const windowEndMs = Math.max(windowStartMs, Math.min(windowStartMs + (durationMs ?? 1000), endMs));
  const open = isOpenLoop(config.load);
  const rate = clientRatePerS(config.load, config.clientCount);
  const sent = Math.round((rate * (windowEndMs - windowStartMs)) / 1000);
  const hist = (us: number) => {
    const h = createHistogram();
    if (sent > 0) h.recordValueWithCount(us, sent);
    return encodeHistogram(h);
  };
  const tokens = 16;
  return {
    version: 2,
    benchmarkId: config.benchmarkId,
    stageIndex: config.stageIndex,
    clientIndex,
    startedAtMs: go.startAtMs,
    endedAtMs: endMs,
    windowStartMs,
    windowEndMs,
    share: {
      concurrency: config.load.mode === 'concurrency' ? config.load.concurrency / config.clientCount : null,
      ratePerS: open ? rate : null,
      maxRequests: null,
    },
    scheduled: open ? sent : null,
    measured: {
      sent,
      ok: sent,
      failed: 0,
      errors: {},
      inputTokens: sent * tokens,
      outputTokens: sent * tokens,
      streamChunks: sent * tokens,
      usageMissing: 0,
      streamMismatch: 0,
      lengthShort: 0,
      goodOk: sent,
    },
    total: { sent, ok: sent, failed: 0, errors: {} },
    histograms: {
      ttft: hist(20_000),
      e2e: hist(100_000),
      itl: hist(5_000),
      itlPerToken: hist(5_000),
      tpot: hist(5_000),
      ttftService: hist(20_000),
      e2eService: hist(100_000),
      scheduleLag: hist(100),
    },
    loadgen: { cpuMs: 1, wallMs: endMs - go.startAtMs, eventLoopUtilization: 0.01, clamped: 0 },
  };
}
