import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { logShipFiles } from '../core/jobs';
import type { LogShipSpec, LogShipState } from '../core/loadgen-protocol';
import { lokiReceiver } from '../test/telemetry/loki-receiver';
import { shipJobLogs } from './log-ship';

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

function jobDir(url: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'aifb-logship-'));
  const spec: LogShipSpec = { version: 1, url, benchmarkId: 'b1', jobName: 'b1-clients', tasks: 2 };
  writeFileSync(join(dir, logShipFiles.spec), JSON.stringify(spec));
  writeFileSync(join(dir, 'stdout-1.log'), 'out one\nout two\n');
  writeFileSync(join(dir, 'stderr-1.log'), 'err one\npart');
  return dir;
}

const state = (dir: string): LogShipState => {
  try {
    return JSON.parse(readFileSync(join(dir, logShipFiles.state(1)), 'utf8')) as LogShipState;
  } catch {
    return { version: 1, state: 'shipping', offsets: {} };
  }
};

describe('in-job log shipper', () => {
  it('pushes its task’s streams with the relay’s labels, records what was accepted, stops on request', async () => {
    const loki = lokiReceiver();
    const dir = jobDir(await listen(loki.server));
    const stop = new AbortController();
    const done = shipJobLogs({
      jobDir: dir,
      index: 1,
      env: { AIFB_JOB_ID: 'j9' },
      intervalMs: 20,
      signal: stop.signal,
    });
    // Both streams' whole lines accepted; "part" waits for its end of line.
    for (let i = 0; i < 500 && state(dir).offsets['stderr-1.log'] !== 8; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(state(dir)).toMatchObject({
      state: 'shipping',
      offsets: { 'stdout-1.log': 16, 'stderr-1.log': 8 },
    });
    appendFileSync(join(dir, 'stderr-1.log'), ' two\n');
    stop.abort();
    const final = await done;
    expect(final).toEqual({
      version: 1,
      state: 'stopped',
      offsets: { 'stdout-1.log': 16, 'stderr-1.log': 17 },
    });
    expect(state(dir)).toEqual(final);
    expect(loki.problems).toEqual([]);
    const byStream = Object.fromEntries(
      [...loki.received].map(([k, v]) => [
        JSON.parse(k).stream as string,
        { labels: JSON.parse(k), lines: v.map((e) => e.line) },
      ]),
    );
    expect(byStream.stdout).toEqual({
      labels: { benchmark: 'b1', component: 'clients-1', stream: 'stdout', job_id: 'j9' },
      lines: ['out one', 'out two'],
    });
    expect(byStream.stderr!.lines).toEqual(['err one', 'part two']);
  });

  it('gives up when Loki cannot take a batch, leaving the offsets and the pending batch to the relay', async () => {
    const loki = lokiReceiver();
    loki.state.down = 100;
    const dir = jobDir(await listen(loki.server));
    const final = await shipJobLogs({
      jobDir: dir,
      index: 1,
      env: { SLURM_ARRAY_JOB_ID: '42', SLURM_JOB_ID: '43' },
      signal: new AbortController().signal,
      push: { retries: 1, backoffMs: 5 },
    });
    expect(final.state).toBe('stopped');
    expect(final.reason).toMatch(/push failed: Loki push: HTTP 503/);
    expect(final.offsets).toEqual({});
    expect(final.pending).toMatchObject({ key: 'stdout-1.log', from: 0, to: 16 });
    expect(state(dir)).toEqual(final);
  });

  it('without a job id it does not start, and says why', async () => {
    const dir = jobDir('http://127.0.0.1:9');
    const final = await shipJobLogs({ jobDir: dir, index: 1, env: {}, signal: new AbortController().signal });
    expect(final).toMatchObject({
      state: 'stopped',
      offsets: {},
      reason: expect.stringMatching(/no job id/),
    });
  });
});
