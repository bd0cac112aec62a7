import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LokiShipper, pushBody } from './loki';

const LABELS = new Set(['benchmark', 'component', 'stream', 'job_id']);

/**
 * A stand-in for Loki that checks each push against Loki's documented JSON format: POST to
 * /loki/api/v1/push, application/json, streams of string labels, values of
 * [nanosecond epoch string, line] sorted by time within each stream. It answers 503 while `down`.
 */
function lokiReceiver() {
  const received = new Map<string, { ns: bigint; line: string }[]>();
  const problems: string[] = [];
  const state = { down: 0, requests: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      state.requests++;
      if (state.down > 0) {
        state.down--;
        res.writeHead(503).end('ingester not ready');
        return;
      }
      if (req.method !== 'POST' || req.url !== '/loki/api/v1/push') problems.push(`${req.method} ${req.url}`);
      if (!req.headers['content-type']?.startsWith('application/json')) problems.push('content-type');
      const parsed = JSON.parse(body) as {
        streams: { stream: Record<string, unknown>; values: unknown[][] }[];
      };
      for (const s of parsed.streams) {
        for (const [k, v] of Object.entries(s.stream)) {
          if (!LABELS.has(k) || typeof v !== 'string') problems.push(`label ${k}`);
        }
        const key = JSON.stringify(s.stream);
        const list = received.get(key) ?? [];
        received.set(key, list);
        for (const entry of s.values) {
          const [ts, line] = entry;
          if (typeof ts !== 'string' || !/^\d{19}$/.test(ts)) problems.push(`timestamp ${String(ts)}`);
          if (typeof line !== 'string' || line.includes('\n')) problems.push(`line ${String(line)}`);
          const ns = BigInt(ts as string);
          if (list.length > 0 && ns <= list.at(-1)!.ns) problems.push(`not increasing at ${line}`);
          list.push({ ns, line: line as string });
        }
      }
      res.writeHead(204).end();
    });
  });
  return { server, received, problems, state };
}

let servers: Server[] = [];
afterEach(() => {
  for (const s of servers) s.close();
  servers = [];
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('Loki push', () => {
  it('builds streams with nanosecond string timestamps, increasing per stream', () => {
    const body = pushBody([{ labels: { benchmark: 'b' }, lines: ['a', 'b'] }], 1_700_000_000_000_000_000n);
    expect(body.streams[0]!.values).toEqual([
      ['1700000000000000000', 'a'],
      ['1700000000000000001', 'b'],
    ]);
  });

  it('loses no line and repeats none through an outage, sending whole lines only', async () => {
    const loki = lokiReceiver();
    const url = await listen(loki.server);
    const dir = mkdtempSync(join(tmpdir(), 'aifb-loki-'));
    const log = join(dir, 'service.log');
    const labels = { benchmark: 'b1', component: 'service', stream: 'stdout', job_id: '42' };
    writeFileSync(log, 'one\ntwo\nthr');
    const shipper = () => new LokiShipper(url, join(dir, 'cursor.json'), { retries: 1, backoffMs: 10 });

    expect(await shipper().ship([{ path: log, labels }])).toBe(2); // "thr" is not a whole line yet
    loki.state.down = 5; // more failures than one pass retries
    appendFileSync(log, 'ee\nfour\n');
    await expect(shipper().ship([{ path: log, labels }])).rejects.toThrow(/503/);
    // A new shipper (a restarted relay) picks up from the cursor once Loki is back.
    loki.state.down = 0;
    appendFileSync(log, 'five\n');
    expect(await shipper().ship([{ path: log, labels }])).toBe(3);
    expect(await shipper().ship([{ path: log, labels }])).toBe(0);

    expect(loki.problems).toEqual([]);
    const lines = [...loki.received.values()].flat().map((e) => e.line);
    expect(lines).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect([...loki.received.keys()]).toEqual([JSON.stringify(labels)]);
  });
});
