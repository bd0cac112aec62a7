/**
 * The simulator's HTTP front: routing, body reading and errors. Generation itself lives in
 * the engine.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApiKind, errorBody } from './completion';
import { embeddingResponse, parseEmbeddingRequest, tokenCount } from './embeddings';
import { Engine, type SimResponse } from './engine';
import { resolveSimulatorOptions, type SimulatorOptions, type SimulatorOptionsInput } from './options';
import { isRequestError, parseRequest } from './request';

export interface SimulatorHandle {
  /** The address actually bound (as given in options). */
  host: string;
  /** The port actually bound (useful with port 0). */
  port: number;
  /** e.g. `http://127.0.0.1:8000` — append `/v1` for an OpenAI client's base URL. */
  url: string;
  options: SimulatorOptions;
  /** Stops listening and drops open connections (in-flight streams are cut). */
  close(): Promise<void>;
}

/** Prompts are counted, not stored, but a runaway body should not eat the heap. */
const MAX_BODY_CHARS = 64 * 1024 * 1024;

function sendJson(res: http.ServerResponse, status: number, body: string, extra?: http.OutgoingHttpHeaders) {
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

function sendError(res: http.ServerResponse, status: number, type: string, message: string, param?: string) {
  sendJson(res, status, errorBody(status, type, message, param ?? null));
}

function readCompletion(
  engine: Engine,
  kind: ApiKind,
  req: http.IncomingMessage,
  res: SimResponse,
  arrival: number,
) {
  const header = req.headers['x-request-id'];
  const requestId = typeof header === 'string' ? header : null;
  readBody(req, res, (body) => {
    const parsed = parseRequest(kind, body, engine.options.model);
    if (isRequestError(parsed))
      sendError(res, parsed.status, parsed.type, parsed.message, parsed.param ?? undefined);
    else engine.submit(res, kind, parsed, arrival, requestId);
  });
}

function readEmbedding(engine: Engine, req: http.IncomingMessage, res: SimResponse) {
  const arrival = performance.now();
  readBody(req, res, (body) => {
    const { options } = engine;
    const parsed = parseEmbeddingRequest(body, options.model, options.embeddingDimension);
    if (!parsed.ok) {
      sendJson(res, parsed.status, parsed.body);
      return;
    }
    const answer = embeddingResponse(parsed.request, options.model);
    const dueMs = engine.embeddingTimeMs(tokenCount(parsed.request));
    const timer = setTimeout(
      () => sendJson(res, 200, answer),
      Math.max(0, arrival + dueMs - performance.now()),
    );
    res.on('close', () => clearTimeout(timer));
  });
}

/** Reads a request body up to MAX_BODY_CHARS (413 past it), then hands it on. */
function readBody(req: http.IncomingMessage, res: SimResponse, then: (body: string) => void) {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    body += chunk;
    if (body.length > MAX_BODY_CHARS) {
      res.setHeader('Connection', 'close');
      sendError(res, 413, 'BadRequestError', 'Request body too large');
      req.destroy();
    }
  });
  req.on('end', () => {
    if (!res.headersSent) then(body);
  });
}

function route(engine: Engine, created: number, req: http.IncomingMessage, res: SimResponse): void {
  // Taken before anything else: TTFT is measured from receipt of the request headers.
  const arrival = performance.now();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const method = req.method;

  const kind: ApiKind | undefined =
    path === '/v1/chat/completions' ? 'chat' : path === '/v1/completions' ? 'completions' : undefined;
  if (kind) {
    if (method === 'POST') readCompletion(engine, kind, req, res, arrival);
    else methodNotAllowed(res, 'POST');
    return;
  }
  if (path === '/v1/embeddings') {
    if (method === 'POST') readEmbedding(engine, req, res);
    else methodNotAllowed(res, 'POST');
    return;
  }
  if (path !== '/health' && path !== '/metrics' && path !== '/v1/models') {
    sendError(res, 404, 'NotFoundError', `Route ${path} not found`);
    return;
  }
  if (method !== 'GET') {
    methodNotAllowed(res, 'GET');
    return;
  }
  if (path === '/health') {
    res.writeHead(200, { 'Content-Length': 0 });
    res.end();
  } else if (path === '/v1/models') {
    const model = {
      id: engine.options.model,
      object: 'model',
      created,
      owned_by: 'aifb',
      root: engine.options.model,
    };
    sendJson(res, 200, JSON.stringify({ object: 'list', data: [model] }));
  } else {
    engine.metrics.render().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': engine.metrics.contentType });
        res.end(text);
      },
      (err: Error) => sendError(res, 500, 'InternalServerError', err.message),
    );
  }
}

function methodNotAllowed(res: http.ServerResponse, allow: string) {
  sendJson(res, 405, errorBody(405, 'MethodNotAllowedError', 'Method Not Allowed'), { Allow: allow });
}

/** `host:port`, with IPv6 literals bracketed. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startSimulator(input: SimulatorOptionsInput = {}): Promise<SimulatorHandle> {
  const options = resolveSimulatorOptions(input);
  const engine = new Engine(options);
  const created = Math.floor(Date.now() / 1000);
  const server = http.createServer((req, res) => route(engine, created, req, res));
  // Outlive typical client-side idle timeouts, so the client (not us) closes idle
  // keep-alive connections and never reuses one we are just closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve, reject) => {
      engine.stop();
      server.close((err) => (err ? reject(err) : resolve()));
      // Destroying sockets fires 'close' on open responses, which aborts their generations.
      server.closeAllConnections();
    }).then(() => engine.closeTimingLog());
    return closing;
  };

  return { host: options.host, port, url: `http://${formatHostPort(options.host, port)}`, options, close };
}
