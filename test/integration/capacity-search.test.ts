/**
 * The capacity search and the over-saturation stop against the real simulator, through the
 * real workflow and activities: `examples/capacity-search.yaml` (4 slots of 120 ms: 33.3 req/s
 * in theory) must find a rate within 15% below the analytic capacity, and a rate twice the
 * capacity must be stopped by the detector within seconds instead of running its minute.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import { paths, repoRoot, resultFiles } from '../../core/node/config';
import { readRecipeFile } from '../../core/node/recipe-file';
import type { BenchmarkSummary } from '../../core/summary';
import { type DevEnv, inProcessWorker, simulatorRecipe, startDevEnv, testConfig } from './harness';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

describe('capacity search against the simulator', () => {
  it('examples/capacity-search.yaml finds a rate within 15% below the analytic capacity', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const recipe = await readRecipeFile(join(repoRoot, 'examples', 'capacity-search.yaml'));
    const started = Date.now();
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: `bench-capacity-search-${process.pid}`,
      args: [recipe],
    });
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;
    const wallS = (Date.now() - started) / 1000;

    expect(summary.status).toBe('completed');
    const [search] = summary.searches ?? [];
    expect(search).toBeDefined();
    expect(search!.expected?.capacity).toBeCloseTo(33.333, 2);
    const analytic = search!.expected!.capacity;
    const found = search!.capacity!;
    const errorPct = ((found - analytic) / analytic) * 100;
    console.log(
      `capacity search: found ${found} req/s, analytic ${analytic.toFixed(2)} req/s (${errorPct.toFixed(1)}%), ${search!.probes.length} probes, ${wallS.toFixed(0)} s\n${search!.probes
        .map((p) => `  ${p.stage} ${p.value}/s ${p.passed ? 'pass' : `FAIL: ${p.why.join('; ')}`}`)
        .join('\n')}`,
    );
    expect(search!.status).toBe('found');
    // Within 15% below; a hair above is possible (a slow queue may not break the SLO in 9 s).
    expect(found).toBeGreaterThanOrEqual(analytic * 0.85);
    expect(found).toBeLessThanOrEqual(analytic * 1.03);
    // Every probe is a stage with its verdict; the lowest failure brackets the capacity.
    expect(summary.stages.map((s) => s.name)).toEqual(search!.probes.map((p) => p.stage));
    expect(summary.stages.every((s) => s.origin?.probe !== undefined)).toBe(true);
    expect(search!.lowestFailed).toBeGreaterThan(found);
    expect((search!.lowestFailed! - found) / found).toBeLessThanOrEqual(0.05);
    // A failed probe says why (its TTFT, or over-saturation), a passed one held its SLO.
    for (const s of summary.stages) {
      if (s.origin!.probe!.passed) expect(s.latencyMs.ttft!.p99).toBeLessThanOrEqual(200);
      else expect(s.origin!.probe!.why.length).toBeGreaterThan(0);
    }
    // The files say the same: summary.json, and a results.csv row per probe.
    const dir = paths.results(config, summary.benchmarkId);
    const onDisk = JSON.parse(readFileSync(join(dir, resultFiles.summary), 'utf8')) as BenchmarkSummary;
    expect(onDisk.searches).toEqual(summary.searches);
    const csv = readFileSync(join(dir, resultFiles.csv), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(1 + summary.stages.length);
    expect(wallS).toBeLessThan(300);
  });

  it('over-saturation: twice the capacity ends its minute-long stage within seconds, and the run goes on', async () => {
    const config = testConfig();
    const worker = await inProcessWorker(dev, config);
    const recipe = simulatorRecipe({
      name: 'oversaturated',
      service: {
        kind: 'simulator',
        simulator: { ttft: '20ms', itl: '5ms', maxConcurrency: 4, seed: 1 },
        health: { timeout: '20s', interval: '200ms' },
      },
      workload: {
        kind: 'openai-chat',
        dataset: { synthetic: { inputTokens: 32, outputTokens: 21 } },
        clients: { count: 2 },
        // A sweep's rates stop when over-saturated by default; being a finding there, it does
        // not make the run invalid.
        stages: [
          { name: 'over', mode: 'sweep', rates: [66], duration: '60s', warmup: '0s', cooldown: '1s' },
          { name: 'after', mode: 'concurrency', concurrency: 2, duration: '2s', cooldown: '1s' },
        ],
        oversaturation: { minDuration: '5s' },
        requestTimeout: '30s',
      },
    });
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: `bench-oversaturated-${process.pid}`,
      args: [recipe],
    });
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;
    expect(summary.status).toBe('completed');
    const [over, after] = summary.stages;
    expect(over!.name).toBe('over-1');
    expect(over!.oversaturation?.detected).toBe(true);
    expect(over!.oversaturation!.inFlight!.slopePerS).toBeGreaterThan(10);
    expect(over!.oversaturation!.ttftMs!.slopePerS).toBeGreaterThan(100);
    expect(over!.validity?.failures.map((f) => f.rule)).toContain('over-saturated');
    // Stopped within ~15 s of its start, not after 60 s.
    expect(over!.windowS).toBeLessThan(20);
    expect(over!.oversaturation!.atS).toBeLessThan(20);
    // The stop aborted the queue: the next stage ran on a drained service.
    expect(after!.requests.failed).toBe(0);
    expect(after!.latencyMs.ttft!.p50).toBeLessThan(60);
  });
});
