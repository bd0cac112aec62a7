import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadgenConfig, ProgressSnapshot } from '../core/loadgen-protocol';
import { parsePromText } from '../telemetry/prom-text';
import { DirectPush } from './direct-push';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** A Pushgateway stand-in: records PUTs, answering after `delayMs`. */
async function pushgateway(delayMs: number) {
  const puts: { path: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      puts.push({ path: `${req.method} ${req.url}`, body });
      setTimeout(() => res.writeHead(200).end(), delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, puts };
}

const snapshot = (timeMs: number, ok: number): ProgressSnapshot =>
  ({
    version: 2,
    clientIndex: 1,
    timeMs,
    phase: 'measuring',
    sent: ok,
    ok,
    failed: 0,
    inFlight: 2,
    outputTokens: ok,
  }) as unknown as ProgressSnapshot;

describe('DirectPush', () => {
  it("PUTs to the relay's group, one push in flight at most, and always the final snapshot", async () => {
    const pg = await pushgateway(100);
    const config = {
      benchmarkId: 'bench-x-1',
      stageIndex: 2,
      stageName: 'p100',
      directPush: { url: pg.url, componentPrefix: 's2-clients-', recipe: 'x' },
    } as LoadgenConfig;
    const push = new DirectPush(config, 1);
    push.offer(snapshot(1000, 1));
    push.offer(snapshot(2000, 2)); // dropped: the first is still in flight
    await push.final(snapshot(3000, 3));
    expect(pg.puts.map((p) => p.path)).toEqual([
      'PUT /metrics/job/aifb/benchmark/bench-x-1/stage/2/component/s2-clients-1',
      'PUT /metrics/job/aifb/benchmark/bench-x-1/stage/2/component/s2-clients-1',
    ]);
    const last = parsePromText(pg.puts[1]!.body).samples;
    expect(
      last.find((s) => s.name === 'aifb_client_requests_total' && s.labels.outcome === 'ok')?.value,
    ).toBe(3);
    expect(last.find((s) => s.name === 'aifb_client_requests_per_second')?.value).toBe(1); // (3-1)/2s
    expect(push.failures).toBe(0);
  });

  it('counts failures instead of throwing', async () => {
    const config = {
      benchmarkId: 'b',
      stageIndex: 0,
      stageName: 's',
      directPush: { url: 'http://127.0.0.1:1', componentPrefix: 's0-clients-', recipe: 'x' },
    } as LoadgenConfig;
    const push = new DirectPush(config, 0);
    await push.final(snapshot(1, 1));
    expect(push.failures).toBe(1);
    expect(push.lastError).toBeTruthy();
  });
});
