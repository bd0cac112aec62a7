import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../core/histograms';
import type { LoadgenConfig } from '../../core/loadgen-protocol';
import { runLoadgen } from '../runner';
import { validConfig } from '../testing';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A server answering `status(url)` (default 200) after `delayMs`, recording every request. */
async function start(
  status: (url: string) => number = () => 200,
  delayMs = 2,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      setTimeout(() => res.writeHead(status(req.url!)).end('{}'), delayMs);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

const httpConfig = (baseUrl: string, workload: NonNullable<LoadgenConfig['workload']>): LoadgenConfig => ({
  ...validConfig,
  api: 'http',
  workload,
  baseUrl,
  clientCount: 1,
  load: { mode: 'concurrency', concurrency: 2 },
  timing: { warmupMs: 0, cooldownMs: 1000, maxRequests: 40 },
});

describe('http workload', () => {
  it('sends the templated request and counts operations as requests with an E2E latency', async () => {
    const { url, seen } = await start();
    const result = await runLoadgen(
      httpConfig(url, {
        kind: 'http',
        method: 'POST',
        path: '/items/{{id}}',
        headers: { 'x-team': 'aifb' },
        body: '{"id":{{id}},"name":"{{name}}"}',
        json: true,
        variables: { id: { kind: 'sequence' }, name: { kind: 'choice', values: ['a "b"'] } },
        expectStatus: null,
      }),
      { clientIndex: 0, outDir: mkdtempSync(join(tmpdir(), 'http-wl-')), log: () => {} },
    );
    expect(result.measured.ok).toBe(40);
    expect(result.measured.failed).toBe(0);
    expect(decodeHistogram(result.histograms.e2e).totalCount).toBe(40);
    expect(decodeHistogram(result.histograms.ttft).totalCount).toBe(0);
    expect(result.workload).toEqual({});
    expect(seen).toHaveLength(40);
    const ids = seen.map((s) => JSON.parse(s.body).id as number).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url).toBe(`/items/${JSON.parse(seen[0]!.body).id}`);
    expect(seen[0]!.headers['x-team']).toBe('aifb');
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]!.body).name).toBe('a "b"');
  });

  it('counts an unexpected status as a failure of kind http_<status>', async () => {
    const { url } = await start((u) => (u.endsWith('/0') || u.endsWith('/1') ? 503 : 204));
    const result = await runLoadgen(
      httpConfig(url, {
        kind: 'http',
        method: 'GET',
        path: '/x/{{n}}',
        headers: {},
        json: false,
        variables: { n: { kind: 'sequence' } },
        expectStatus: [204],
      }),
      { clientIndex: 0, outDir: mkdtempSync(join(tmpdir(), 'http-wl-')), log: () => {} },
    );
    expect(result.measured.failed).toBe(2);
    expect(result.measured.errors).toEqual({ http_503: 2 });
    expect(result.measured.ok).toBe(38);
  });
});
