import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram } from './histograms';
import type { ClientResult } from './loadgen-protocol';
import {
  type BenchmarkSummary,
  CSV_COLUMNS,
  type StageMeta,
  SUMMARY_SCHEMA,
  summarizeStage,
  toCsv,
} from './summary';

function client(
  index: number,
  windowS: number,
  ok: number,
  ttftMs: number[],
  extra: Partial<ClientResult['measured']> = {},
) {
  const rec = (values: number[]) => {
    const h = createHistogram();
    for (const v of values) h.recordValue(Math.round(v * 1000)); // µs, as the loadgen records
    return encodeHistogram(h);
  };
  const start = 1_700_000_000_000;
  const result: ClientResult = {
    version: 2,
    benchmarkId: 'bench-x-1',
    stageIndex: 0,
    clientIndex: index,
    startedAtMs: start - 1000,
    endedAtMs: start + windowS * 1000 + 500,
    windowStartMs: start,
    windowEndMs: start + windowS * 1000,
    share: { concurrency: 2, ratePerS: null, maxRequests: null },
    scheduled: ok + 1,
    measured: {
      sent: ok + (extra.failed ?? 0),
      ok,
      failed: 0,
      errors: {},
      inputTokens: ok * 10,
      outputTokens: ok * 4,
      streamChunks: ok * 4,
      usageMissing: 0,
      streamMismatch: 0,
      lengthShort: 0,
      goodOk: ok,
      ...extra,
    },
    total: { sent: ok + 3, ok: ok + 3, failed: 0, errors: extra.errors ?? {} },
    histograms: {
      ttft: rec(ttftMs),
      e2e: rec(ttftMs.map((t) => t + 30)),
      itl: rec([10, 10, 10]),
      itlPerToken: rec([10, 10, 10]),
      tpot: rec([10]),
      ttftService: rec(ttftMs.map((t) => t - 1)),
      e2eService: rec(ttftMs.map((t) => t + 29)),
      scheduleLag: rec(ttftMs.map(() => 1)),
    },
    loadgen: {
      cpuMs: 500 * (index + 1),
      wallMs: 1000,
      eventLoopUtilization: 0.25 * (index + 1),
      clamped: index,
    },
  };
  return result;
}

const meta: StageMeta = {
  index: 0,
  name: 'c4',
  mode: 'concurrency',
  concurrency: 4,
  requestedRatePerS: null,
  bounds: { durationS: 10, maxRequests: null, warmupS: 1, cooldownS: 2 },
  clientsExpected: 3,
  hasSlo: true,
  exactOutputLength: true,
};

describe('summarizeStage', () => {
  it('reads results of older clients, without the real-server fields, as none reported', () => {
    const s = summarizeStage(meta, [client(0, 10, 100, [20])]);
    expect(s.tokens).toMatchObject({ inputAskedMean: null, inputServed: null, cachedPromptTotal: null });
    expect(s.serverTimings).toBeNull();
    expect([s.requests.reconnects, s.requests.reconnectsTotal]).toEqual([0, 0]);
  });

  it("reports reconnects, asked vs served input tokens, cached tokens and llama.cpp's timings", () => {
    const hist = (values: number[]) => {
      const h = createHistogram();
      for (const v of values) h.recordValue(Math.round(v * 1000));
      return encodeHistogram(h);
    };
    const real = (index: number, tpot: number[], extra: Partial<ClientResult['measured']>) => {
      const r = client(index, 10, tpot.length, [20], extra);
      r.total.reconnects = (extra.reconnects ?? 0) + 1;
      r.histograms.serverTpot = hist(tpot);
      r.histograms.serverPromptMs = hist(tpot.map(() => 12));
      return r;
    };
    const timings = (requests: number, cacheN: number, cacheNRequests: number) => ({
      requests,
      promptN: requests * 64,
      predictedN: requests * 8,
      cacheN,
      cacheNRequests,
    });
    const a = real(0, [5, 5, 6, 7], {
      reconnects: 3,
      inputTokensAsked: 4 * 64,
      inputTokensServed: 4 * 94,
      inputTokensServedRequests: 4,
      cachedTokens: 40,
      cachedTokensRequests: 4,
      serverTimings: timings(4, 40, 4),
    });
    const b = real(1, [9, 9], {
      reconnects: 1,
      inputTokensAsked: 2 * 64,
      inputTokensServed: 2 * 97,
      inputTokensServedRequests: 2,
      cachedTokens: 0,
      cachedTokensRequests: 0,
      serverTimings: timings(2, 0, 0),
    });
    const s = summarizeStage(meta, [a, b]);
    expect([s.requests.reconnects, s.requests.reconnectsTotal]).toEqual([4, 6]);
    expect(s.tokens).toMatchObject({
      inputAskedMean: 64,
      inputServed: { mean: 95, total: 570, requests: 6 },
      cachedPromptTotal: 40,
    });
    expect(s.serverTimings).toMatchObject({
      source: 'llamacpp-timings',
      requests: 6,
      promptNMean: 64,
      predictedNMean: 8,
      cacheNTotal: 40,
    });
    expect(s.serverTimings?.tpotMs).toMatchObject({ count: 6, min: 5 });
    expect(s.serverTimings?.tpotMs?.p50).toBeCloseTo(6, 1);
    expect(s.serverTimings?.promptMs?.p50).toBeCloseTo(12, 1);
    const csv = toCsv({ stages: [s], benchmarkId: 'b' } as unknown as BenchmarkSummary).split('\n');
    const row = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, csv[1]!.split(',')[i]]));
    expect(row).toMatchObject({
      reconnects: '4',
      input_tokens_asked_mean: '64.000',
      input_tokens_served_mean: '95.000',
      cached_prompt_tokens: '40',
      server_tpot_p50_ms: expect.stringMatching(/^6\.00/),
    });
  });

  it('sums each client rate over its own window and merges histograms exactly', () => {
    const a = client(0, 10, 100, [20, 20, 40]);
    const b = client(1, 5, 50, [60], { failed: 2, errors: { http_500: 2 }, goodOk: 25 });
    const s = summarizeStage(meta, [a, b]);
    expect(s.clientsReported).toBe(2);
    expect(s.clientsExpected).toBe(3);
    expect(s.requests).toEqual({
      sent: 152,
      ok: 150,
      failed: 2,
      errors: { http_500: 2 },
      sentTotal: 156,
      errorsTotal: { http_500: 2 },
      reconnects: 0,
      reconnectsTotal: 0,
    });
    expect(s.rate).toEqual({
      requestedPerS: null,
      achievedPerS: 100 / 10 + 52 / 5,
      errorPct: null,
      scheduled: null,
      deliveryErrorPct: null,
    });
    expect(s.loadgen).toEqual({
      cpuCoresMax: 1,
      eventLoopUtilizationMax: 0.5,
      clampedValues: 1,
      clients: [
        { index: 0, cpuCores: 0.5, eventLoopUtilization: 0.25, scheduleLagP99Ms: expect.closeTo(1, 2) },
        { index: 1, cpuCores: 1, eventLoopUtilization: 0.5, scheduleLagP99Ms: expect.closeTo(1, 2) },
      ],
    });
    expect(s.serviceTimeMs.ttft!.count).toBe(4);
    expect(s.scheduleLagMs!.p50).toBeCloseTo(1, 2);
    expect(s.latencyMs.itlPerToken!.count).toBe(6);
    // 100/10 + 50/5 requests per second; tokens likewise.
    expect(s.throughput.requestsPerS).toBeCloseTo(20);
    expect(s.throughput.outputTokensPerS).toBeCloseTo(400 / 10 + 200 / 5);
    expect(s.throughput.totalTokensPerS).toBeCloseTo(1400 / 10 + 700 / 5);
    expect(s.goodput?.requestsPerS).toBeCloseTo(100 / 10 + 25 / 5);
    // Over every request sent: the 2 failed ones met no SLO.
    expect(s.goodput?.fraction).toBeCloseTo(125 / 152);
    expect(s.windowS).toBeCloseTo(7.5);
    const ttft = s.latencyMs.ttft!;
    expect(ttft.count).toBe(4);
    expect(ttft.min).toBeCloseTo(20, 1);
    expect(ttft.max).toBeCloseTo(60, 1);
    expect(ttft.p50).toBeCloseTo(20, 1);
    expect(s.latencyMs.e2e!.max).toBeCloseTo(90, 0);
  });

  it('reports achieved against requested rate for open-loop stages', () => {
    const s = summarizeStage({ ...meta, mode: 'poisson', concurrency: null, requestedRatePerS: 20 }, [
      client(0, 10, 99, [20]),
      client(1, 10, 99, [20]),
    ]);
    expect(s.rate.achievedPerS).toBeCloseTo(19.8);
    expect(s.rate.errorPct).toBeCloseTo(-1);
    // The schedule asked for 100 + 100 in the window; 99 + 99 went out.
    expect(s.rate.scheduled).toBe(200);
    expect(s.rate.deliveryErrorPct).toBeCloseTo(-1);
  });

  it('a ramp or trace asks for its schedule: the requested rate is the scheduled count over each window', () => {
    for (const mode of ['ramp', 'trace'] as const) {
      const s = summarizeStage({ ...meta, mode, concurrency: null, requestedRatePerS: null }, [
        client(0, 10, 99, [20]),
        client(1, 10, 99, [20]),
      ]);
      // 100 scheduled in each client's 10 s window.
      expect(s.rate.requestedPerS).toBeCloseTo(20);
      expect(s.rate.scheduled).toBe(200);
      expect(s.rate.deliveryErrorPct).toBeCloseTo(-1);
    }
  });

  it('counts failed requests against goodput: most failed means most missed the SLO', () => {
    // 35 ok (all meeting the SLO), 65 failed: 35% met it, not 100%.
    const s = summarizeStage(meta, [client(0, 10, 35, [20], { failed: 65, goodOk: 35 })]);
    expect(s.requests.sent).toBe(100);
    expect(s.goodput?.fraction).toBeCloseTo(0.35);
    expect(s.goodput?.requestsPerS).toBeCloseTo(3.5);
  });

  it('has no latencies and no goodput when nothing completed and no SLO was set', () => {
    const s = summarizeStage({ ...meta, hasSlo: false }, [client(0, 10, 0, [])]);
    expect(s.latencyMs.ttft).toBeNull();
    expect(s.goodput).toBeNull();
    expect(s.throughput.requestsPerS).toBe(0);
  });
});

describe('results.csv', () => {
  it('keeps its columns in a stable order and writes one row per stage', () => {
    expect(CSV_COLUMNS.slice(0, 12)).toEqual([
      'benchmark_id',
      'stage',
      'mode',
      'concurrency',
      'clients',
      'window_s',
      'requests_ok',
      'requests_failed',
      'requests_per_s',
      'output_tokens_per_s',
      'total_tokens_per_s',
      'goodput_per_s',
    ]);
    expect(CSV_COLUMNS.slice(12, 24)).toEqual(
      ['ttft', 'tpot', 'itl', 'e2e'].flatMap((m) => ['p50', 'p90', 'p99'].map((p) => `${m}_${p}_ms`)),
    );
    // v2 columns come after the v1 ones, so v1 readers keep working.
    expect(CSV_COLUMNS.slice(24, 28)).toEqual([
      'rate_requested_per_s',
      'rate_achieved_per_s',
      'sched_lag_p50_ms',
      'sched_lag_p99_ms',
    ]);
    const stage = summarizeStage(meta, [client(0, 10, 100, [20])]);
    const summary: BenchmarkSummary = {
      schema: SUMMARY_SCHEMA,
      benchmarkId: 'bench-x-1',
      recipeName: 'x',
      status: 'completed',
      startedAt: '',
      finishedAt: '',
      executor: 'local',
      service: { kind: 'simulator', model: 'm', endpoint: null },
      stages: [stage, { ...stage, name: 'c8' }],
      collectedOn: { hostname: 'h', cpus: 2, node: 'v20' },
    };
    const lines = toCsv(summary).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const row = Object.fromEntries(lines[1]!.split(',').map((v, i) => [CSV_COLUMNS[i], v]));
    expect(row).toMatchObject({
      benchmark_id: 'bench-x-1',
      stage: 'c4',
      requests_ok: '100',
      requests_per_s: '10.000',
    });
    expect(Number(row.ttft_p50_ms)).toBeCloseTo(20, 1);
    expect(lines[2]!.split(',')[1]).toBe('c8');
  });

  it('fills the service-side columns from server/system, and leaves them empty without', () => {
    const stage = summarizeStage(meta, [client(0, 10, 100, [20])]);
    const mm = (mean: number) => ({ mean, max: mean * 2 });
    const withTelemetry = {
      ...stage,
      server: {
        source: 'prometheus' as const,
        windowStartMs: 0,
        windowEndMs: 1,
        runningRequests: mm(3),
        waitingRequests: mm(1),
        kvCacheUsage: mm(0.25),
      },
      system: {
        process: { samples: 3, cpuCoresMean: 1.5, cpuCoresMax: 2, rssMaxBytes: 1024 },
        gpu: {
          gpus: 1,
          samples: 2,
          utilizationMeanPct: 80,
          utilizationMaxPct: 90,
          memoryUsedMaxMiB: 1,
          powerMeanW: 300,
          energyJ: 600,
        },
        energyJ: 600,
        joulesPerOutputToken: 0.5,
      },
    };
    const summary = { stages: [withTelemetry, stage], benchmarkId: 'b' } as BenchmarkSummary;
    const [, full, bare] = toCsv(summary).trimEnd().split('\n');
    const cells = (line: string) => Object.fromEntries(line.split(',').map((v, i) => [CSV_COLUMNS[i], v]));
    expect(cells(full!)).toMatchObject({
      server_running_mean: '3.000',
      kv_cache_usage_mean: '0.2500',
      service_cpu_cores_mean: '1.500',
      service_rss_max_bytes: '1024',
      gpu_utilization_mean_pct: '80.000',
      energy_j: '600.000',
      joules_per_output_token: '0.500000',
    });
    expect(cells(bare!).energy_j).toBe('');
    expect(cells(bare!).server_running_mean).toBe('');
  });

  it("v3 columns come last: the verdict, each stage's checks, the recipe hash and versions", () => {
    const v2Count = CSV_COLUMNS.indexOf('server_prompt_p50_ms') + 1;
    expect(CSV_COLUMNS.slice(v2Count)).toEqual([
      'verdict',
      'reference_checks',
      'reference_failed',
      'valid',
      'recipe_hash',
      'aifb_version',
      'service_version',
      // Vector search (issue 15), then sweeps, searches and repeats (issue 16), after them.
      'recall',
      'origin_stage',
      'repetition',
      'probe_value',
      'probe_passed',
      'oversaturated',
    ]);
    const stage = summarizeStage(meta, [client(0, 10, 100, [20])]);
    const check = (name: string, pass: boolean) =>
      ({ stage: name, pass }) as NonNullable<BenchmarkSummary['verdict']>['checks'][number];
    const summary = {
      benchmarkId: 'b',
      service: { kind: 'vllm', model: 'm', endpoint: null, identity: { version: '0.11.2' } },
      stages: [stage, { ...stage, name: 'c8' }],
      environment: { recipeHash: 'sha256:ab', aifb: { version: '0.1.0' } },
      verdict: {
        outcome: 'fail',
        checked: 3,
        failed: 1,
        checks: [check('c4', true), check('c4', false), check('c8', true)],
        notes: [],
      },
    } as unknown as BenchmarkSummary;
    const [, c4, c8] = toCsv(summary).trimEnd().split('\n');
    const cells = (line: string) => Object.fromEntries(line.split(',').map((v, i) => [CSV_COLUMNS[i], v]));
    expect(cells(c4!)).toMatchObject({
      verdict: 'fail',
      reference_checks: '2',
      reference_failed: '1',
      recipe_hash: 'sha256:ab',
      aifb_version: '0.1.0',
      service_version: '0.11.2',
    });
    expect(cells(c8!)).toMatchObject({ reference_checks: '1', reference_failed: '0' });
    // Without references the verdict cells stay empty, not "0".
    const bare = toCsv({ ...summary, verdict: undefined } as BenchmarkSummary).split('\n')[1]!;
    expect(cells(bare)).toMatchObject({ verdict: '', reference_checks: '', reference_failed: '' });
  });
});
