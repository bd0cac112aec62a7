import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resultFiles } from '../core/node/config';
import { sampleRun } from '../test/fixtures/report';
import { collectReportData } from './collect';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function run() {
  const r = sampleRun('bench-sample-aaaaaa', [
    { name: 'r10', rate: 10, ttftMs: 40, itlMs: 5 },
    { name: 'r20', rate: 20, ttftMs: 80, itlMs: 7 },
  ]);
  dirs.push(r.dir);
  return r;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('collectReportData', () => {
  it('reads the CDFs back from the raw stage files and the timeline from the scrapes without Prometheus', async () => {
    const { dir, summary } = run();
    const data = await collectReportData(summary, { resultsDir: dir, prometheusUrl: null });
    if ('unavailable' in data.distributions) throw new Error(data.distributions.unavailable);
    const [first, second] = data.distributions.stages;
    expect(first!.counts).toEqual({ ttft: 100, itl: 900, e2e: 100 });
    // TTFT of stage r20 is 80..89.9 ms: its CDF starts near 80 and ends near 90.
    expect(second!.cdf.ttft![0]![0]).toBeCloseTo(80, 0);
    expect(second!.cdf.ttft!.at(-1)![0]).toBeCloseTo(89.9, 0);
    expect(first!.cdf.itl).toHaveLength(1);
    expect(first!.cdf.itl![0]![0]).toBeCloseTo(5, 1);
    if ('unavailable' in data.timeline) throw new Error(data.timeline.unavailable);
    expect(data.timeline.source).toBe('scrapes');
    expect(data.timeline.series.map((s) => s.key)).toEqual(['running', 'waiting', 'kvCache']);
    expect(data.timeline.notes[0]).toContain('no Prometheus configured (AIFB_PROMETHEUS_URL');
  });

  it('says why when Prometheus cannot be read, and falls back to the scrapes', async () => {
    const { dir, summary } = run();
    const url = `http://127.0.0.1:${await closedPort()}`;
    const data = await collectReportData(summary, { resultsDir: dir, prometheusUrl: url });
    if ('unavailable' in data.timeline) throw new Error(data.timeline.unavailable);
    expect(data.timeline.source).toBe('scrapes');
    expect(data.timeline.notes[0]).toContain(`Prometheus (${url}) could not be read`);
  });

  it('marks what is missing when the raw files are not on this machine', async () => {
    const { dir, summary } = run();
    rmSync(join(dir, resultFiles.stageRaw(0, 'r10')));
    rmSync(join(dir, resultFiles.stageRaw(1, 'r20')));
    rmSync(join(dir, resultFiles.serviceScrapes));
    const data = await collectReportData(summary, { resultsDir: dir, prometheusUrl: null });
    expect(data.distributions).toEqual({ unavailable: expect.stringContaining('no raw stage files') });
    expect(data.timeline).toEqual({ unavailable: expect.stringContaining('and no service scrapes') });
  });
});
