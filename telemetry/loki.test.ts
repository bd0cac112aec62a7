import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lokiReceiver } from '../test/telemetry/loki-receiver';
import { LokiShipper, pushBody } from './loki';

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
