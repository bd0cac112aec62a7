import { describe, expect, it } from 'vitest';
import type { BenchmarkSummary } from '../core/summary';
import type { CapacitySearchResult, StageSummary } from '../core/summary-format';
import { planLines, searchLine } from './plan-table';
import { renderResultsTable } from './table';

const search: CapacitySearchResult = {
  stage: 'cap',
  vary: 'rate',
  unit: 'req/s',
  status: 'found',
  capacity: 31.7,
  lowestFailed: 33,
  slo: { ttft: { p99: 200 } },
  tolerance: 0.05,
  probes: [],
  expected: { capacity: 33.333, basis: '4 slots / 120 ms service time' },
};

function stage(index: number, name: string, extra: Partial<StageSummary> = {}): StageSummary {
  return {
    index,
    name,
    mode: 'constant',
    concurrency: null,
    rate: {
      requestedPerS: 10 * (index + 1),
      achievedPerS: 10,
      errorPct: 0,
      scheduled: 1,
      deliveryErrorPct: 0,
    },
    bounds: { durationS: 5, maxRequests: null, warmupS: 1, cooldownS: 1 },
    clientsExpected: 1,
    clientsReported: 1,
    windowS: 5,
    requests: { sent: 50, ok: 50, failed: 0, errors: {}, sentTotal: 50, errorsTotal: {} },
    throughput: { requestsPerS: 10, outputTokensPerS: 100, totalTokensPerS: 200 },
    goodput: null,
    tokens: {
      input: 1,
      output: 1,
      streamChunks: 1,
      usageMissing: 0,
      streamMismatch: 0,
      lengthShort: 0,
      exactOutputLength: true,
    },
    latencyMs: { ttft: null, e2e: null, tpot: null, itl: null, itlPerToken: null },
    serviceTimeMs: { ttft: null, e2e: null },
    scheduleLagMs: null,
    loadgen: { cpuCoresMax: 0.1, eventLoopUtilizationMax: 0.1, clampedValues: 0 },
    ...extra,
  };
}

function summary(stages: StageSummary[], extra: Partial<BenchmarkSummary> = {}): BenchmarkSummary {
  return {
    schema: 'aifb.summary/v3',
    benchmarkId: 'b',
    recipeName: 'r',
    status: 'completed',
    startedAt: '',
    finishedAt: '',
    executor: 'local',
    service: { kind: 'simulator', model: 'aifb-sim', endpoint: null },
    stages,
    collectedOn: { hostname: 'h', cpus: 1, node: 'v' },
    ...extra,
  };
}

describe('plan results in the CLI', () => {
  it('prints the found capacity beside the analytic one, with the error', () => {
    expect(searchLine(search)).toBe(
      'capacity search cap: 31.70 req/s (analytic 33.33 req/s, -4.9%: 4 slots / 120 ms service time) [found; ttft p99 ≤ 200 ms; 0 probes; lowest failed 33.00; tolerance 5%]',
    );
    expect(
      searchLine({
        ...search,
        capacity: null,
        status: 'none-passed',
        expected: undefined,
        lowestFailed: 0.5,
      }),
    ).toMatch(/^capacity search cap: no probe passed \[none-passed;/);
  });

  it('many stages print one row each, probes with their verdicts', () => {
    const probe = (k: number, passed: boolean) =>
      stage(k, `cap-${k + 1}`, {
        origin: {
          recipeIndex: 0,
          recipeStage: 'cap',
          kind: 'capacity-search',
          role: 'probe',
          series: `cap-${k + 1}`,
          probe: { value: 10 * (k + 1), passed, why: passed ? [] : ['TTFT p99 612.0 ms > 200 ms'] },
        },
      });
    const text = renderResultsTable(
      summary(
        Array.from({ length: 8 }, (_, k) => probe(k, k < 3)),
        { searches: [search] },
      ),
    );
    expect(text).toContain('│ cap-1 ');
    expect(text).toContain('constant 80/s');
    expect(text).toMatch(/cap-4 .*FAIL: TTFT p99 612.0 ms > 200 ms/);
    expect(text).toContain('capacity search cap: 31.70 req/s (analytic 33.33 req/s, -4.9%');
    // A few stages stay side by side, with the probe row.
    const few = renderResultsTable(summary([probe(0, true), probe(1, false)]));
    expect(few).toMatch(/│ probe .*│ pass .*│ FAIL: TTFT p99/);
  });

  it('repetitions print mean ± half-width', () => {
    const lines = planLines(
      summary([], {
        repeats: {
          count: 3,
          fresh: false,
          confidence: 0.95,
          stages: [
            {
              series: 'c8',
              stages: ['c8-rep1', 'c8-rep2', 'c8-rep3'],
              figures: {
                requestsPerS: { n: 3, mean: 12, stdev: 2, halfWidth: 4.9683, low: 7.03, high: 16.97 },
              },
            },
          ],
          searches: [
            {
              stage: 'cap',
              capacity: { n: 1, mean: 30, stdev: null, halfWidth: null, low: null, high: null },
            },
          ],
        },
      }),
    );
    expect(lines[0]).toBe('3 repetitions: mean ± half-width of the 95% Student-t interval');
    expect(lines[1]).toMatch(/c8 .*12.00 ± 4.97/);
    expect(lines[2]).toBe('capacity cap over the repetitions: 30.00');
  });
});
