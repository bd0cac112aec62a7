import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lokiReceiver } from '../test/telemetry/loki-receiver';
import { jsonCursorStore, LokiShipper, pushBody } from './loki';

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

describe('Loki push hand-over', () => {
  const labels = { benchmark: 'b2', component: 'clients-0', stream: 'stdout', job_id: '7' };

  it('a batch cut short by a crash is resent with the same timestamps (Loki drops the copy)', async () => {
    const loki = lokiReceiver();
    const url = await listen(loki.server);
    const dir = mkdtempSync(join(tmpdir(), 'aifb-loki-'));
    const log = join(dir, 'clients-0.log');
    writeFileSync(log, 'a\nb\n');
    const real = jsonCursorStore(join(dir, 'cursor.json'));
    let writes = 0;
    // Dies after the push was accepted, before the cursor moved past it.
    const crashing = {
      read: real.read,
      write: async (s: Parameters<typeof real.write>[0]) => {
        if (++writes === 2) throw new Error('killed');
        await real.write(s);
      },
    };
    await expect(new LokiShipper(url, crashing).ship([{ path: log, labels }])).rejects.toThrow('killed');
    expect((await real.read()).pending).toMatchObject({ key: log, from: 0, to: 4 });
    appendFileSync(log, 'c\n');
    expect(await new LokiShipper(url, join(dir, 'cursor.json')).ship([{ path: log, labels }])).toBe(3);
    const entries = [...loki.received.values()].flat();
    expect(entries.map((e) => e.line)).toEqual(['a', 'b', 'a', 'b', 'c']);
    // The resent pair is identical to the first, timestamps included.
    expect(entries[2]!.ns).toBe(entries[0]!.ns);
    expect(entries[3]!.ns).toBe(entries[1]!.ns);
    expect((await real.read()).pending).toBeUndefined();
  });

  it('starts at another shipper’s offset and resends its pending batch first, once the copy holds it', async () => {
    const loki = lokiReceiver();
    const url = await listen(loki.server);
    const dir = mkdtempSync(join(tmpdir(), 'aifb-loki-'));
    const log = join(dir, 'copy.log');
    writeFileSync(log, 'one\ntwo\n'); // the relay's copy lags behind the job's file
    const replay = { key: 'stdout-0.log', from: 4, to: 14, baseNs: '1700000000000000000' };
    const shipper = new LokiShipper(url, join(dir, 'cursor.json'));
    const file = { path: log, labels, from: 4, replay };
    expect(await shipper.ship([file])).toBe(0); // "two\nthree\n" is not all in the copy yet
    appendFileSync(log, 'three\nfour\n');
    expect(await shipper.ship([file])).toBe(3);
    expect(await shipper.ship([file])).toBe(0);
    const entries = [...loki.received.values()].flat();
    expect(entries.map((e) => e.line)).toEqual(['two', 'three', 'four']);
    expect(entries.slice(0, 2).map((e) => String(e.ns))).toEqual([
      '1700000000000000000',
      '1700000000000000001',
    ]);
  });
});
