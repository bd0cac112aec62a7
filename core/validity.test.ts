import { describe, expect, it } from 'vitest';
import type { StageSummary } from './summary-format';
import { invalidReasons, judgeStage, type ValidityLimits } from './validity';

const limits: ValidityLimits = {
  maxErrorPct: 0,
  rateTolerancePct: 1,
  maxEventLoopUtilization: 0.9,
  maxScheduleLagP99: 20,
};
const alive = { service: { alive: true, state: 'RUNNING' }, missingClients: [] };

function stage(over: Partial<StageSummary> = {}): StageSummary {
  return {
    index: 0,
    name: 'c8',
    mode: 'concurrency',
    concurrency: 8,
    rate: { requestedPerS: null, achievedPerS: 10, errorPct: null, scheduled: null, deliveryErrorPct: null },
    bounds: { durationS: 10, maxRequests: null, warmupS: 1, cooldownS: 1 },
    clientsExpected: 2,
    clientsReported: 2,
    windowS: 10,
    requests: { sent: 100, ok: 100, failed: 0, errors: {}, sentTotal: 110, errorsTotal: {} },
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
    loadgen: {
      cpuCoresMax: 0.1,
      eventLoopUtilizationMax: 0.1,
      clampedValues: 0,
      clients: [
        { index: 0, cpuCores: 0.1, eventLoopUtilization: 0.1, scheduleLagP99Ms: 0.5 },
        { index: 1, cpuCores: 0.1, eventLoopUtilization: 0.1, scheduleLagP99Ms: 0.5 },
      ],
    },
    ...over,
  };
}

const rules = (v: ReturnType<typeof judgeStage>) => v.failures.map((f) => f.rule);

describe('judgeStage', () => {
  it('passes a clean stage', () => {
    expect(judgeStage(stage(), limits, alive)).toEqual({ valid: true, failures: [] });
  });

  it('fails a stage whose service died, naming its state and reason', () => {
    const v = judgeStage(stage(), limits, {
      service: { alive: false, state: 'FAILED', reason: 'task 0 exited with status 137' },
      missingClients: [],
    });
    expect(v.valid).toBe(false);
    expect(v.failures[0]).toMatchObject({ rule: 'service-alive', figures: { state: 'FAILED' } });
    expect(v.failures[0]!.message).toMatch(/FAILED: task 0 exited with status 137/);
  });

  it('fails a stage with a missing client, naming it', () => {
    const v = judgeStage(stage({ clientsReported: 1 }), limits, {
      ...alive,
      missingClients: [{ index: 1, reason: 'no result (exit status 137)\n--- last output ---' }],
    });
    expect(rules(v)).toEqual(['clients-reported']);
    expect(v.failures[0]!.message).toBe('1 of 2 clients reported (client 1: no result (exit status 137))');
  });

  it('fails errors above the threshold, and passes them under a looser one', () => {
    const errored = stage({
      requests: { sent: 100, ok: 97, failed: 3, errors: { timeout: 3 }, sentTotal: 100, errorsTotal: {} },
    });
    const v = judgeStage(errored, limits, alive);
    expect(rules(v)).toEqual(['error-rate']);
    expect(v.failures[0]!.figures).toMatchObject({ errorPct: 3, failed: 3, sent: 100 });
    expect(v.failures[0]!.message).toMatch(/3% of 100 requests failed \(timeout=3\); at most 0% allowed/);
    expect(judgeStage(errored, { ...limits, maxErrorPct: 5 }, alive).valid).toBe(true);
  });

  it('does not hold the requests a stop aborted against the stage', () => {
    const stopped = stage({
      requests: { sent: 100, ok: 96, failed: 4, errors: { aborted: 4 }, sentTotal: 100, errorsTotal: {} },
    });
    expect(judgeStage(stopped, limits, { ...alive, stoppedEarly: true }).valid).toBe(true);
    // Without a stop, requests aborted at the end of the cooldown never got their answer.
    expect(rules(judgeStage(stopped, limits, alive))).toEqual(['error-rate']);
    const mixed = stage({
      requests: {
        sent: 100,
        ok: 95,
        failed: 5,
        errors: { aborted: 4, timeout: 1 },
        sentTotal: 100,
        errorsTotal: {},
      },
    });
    const v = judgeStage(mixed, limits, { ...alive, stoppedEarly: true });
    expect(v.failures[0]!.message).toMatch(/^1% of 100 requests failed \(timeout=1\)/);
  });

  it('fails a stage that sent nothing', () => {
    const none = stage({
      requests: { sent: 0, ok: 0, failed: 0, errors: {}, sentTotal: 0, errorsTotal: {} },
    });
    expect(rules(judgeStage(none, limits, alive))).toEqual(['requests-sent']);
  });

  it('fails an open loop that missed its schedule by more than the tolerance', () => {
    const open = (deliveryErrorPct: number) =>
      stage({
        rate: {
          requestedPerS: 100,
          achievedPerS: 100 * (1 + deliveryErrorPct / 100),
          errorPct: deliveryErrorPct,
          scheduled: 1000,
          deliveryErrorPct,
        },
      });
    expect(judgeStage(open(-0.9), limits, alive).valid).toBe(true);
    const v = judgeStage(open(-3.5), limits, alive);
    expect(rules(v)).toEqual(['rate-achieved']);
    expect(v.failures[0]!.figures).toMatchObject({ offPct: -3.5, requestedPerS: 100 });
  });

  it('names each saturated client with its event-loop use and schedule lag', () => {
    const busy = stage({
      rate: { requestedPerS: 50, achievedPerS: 50, errorPct: 0, scheduled: 500, deliveryErrorPct: 0 },
      loadgen: {
        cpuCoresMax: 1,
        eventLoopUtilizationMax: 0.97,
        clampedValues: 0,
        clients: [
          { index: 0, cpuCores: 1, eventLoopUtilization: 0.97, scheduleLagP99Ms: 3 },
          { index: 1, cpuCores: 0.2, eventLoopUtilization: 0.2, scheduleLagP99Ms: 45 },
        ],
      },
    });
    const v = judgeStage(busy, limits, alive);
    expect(v.failures.map((f) => [f.rule, f.figures.client])).toEqual([
      ['loadgen-saturated', 0],
      ['loadgen-saturated', 1],
    ]);
    expect(v.failures[1]!.message).toMatch(/schedule lag p99 45 ms \(limit 20 ms\)/);
    // Closed loops have no schedule: their lag is not held against them.
    expect(
      judgeStage({ ...busy, rate: stage().rate }, { ...limits, maxEventLoopUtilization: 1 }, alive).valid,
    ).toBe(true);
  });

  it('lists every failed rule of every stage in one line each', () => {
    const bad = {
      ...stage({ name: 'p20', clientsReported: 1 }),
      validity: judgeStage(stage({ clientsReported: 1 }), limits, alive),
    };
    expect(invalidReasons([{ ...stage(), validity: { valid: true, failures: [] } }, bad])).toEqual([
      'stage p20: clients-reported: 1 of 2 clients reported',
    ]);
  });
});

describe('over-saturation and generated stages', () => {
  const verdict = {
    detected: true,
    atS: 12.5,
    windowS: 11,
    inFlight: { points: 12, slopePerS: 30, lowerBoundPerS: 20, mean: 200, growth: 1.6, rising: true },
    ttftMs: { points: 12, slopePerS: 900, lowerBoundPerS: 600, mean: 5000, growth: 1.9, rising: true },
    reason: 'in flight rising; TTFT rising',
  };
  it('a stage the detector ended breaks over-saturated, with its slopes', () => {
    const v = judgeStage(stage(), limits, { ...alive, oversaturation: verdict });
    expect(v.valid).toBe(false);
    expect(v.failures).toEqual([
      {
        rule: 'over-saturated',
        message: expect.stringContaining('ended after 12.5 s: in flight rising'),
        figures: { atS: 12.5, inFlightSlopePerS: 30, ttftSlopeMsPerS: 900 },
      },
    ]);
    expect(
      judgeStage(stage(), limits, { ...alive, oversaturation: { ...verdict, detected: false } }).valid,
    ).toBe(true);
  });
  it('findings of a sweep or search do not invalidate the run; a dead service does', () => {
    const failures = [
      { rule: 'over-saturated' as const, message: 'm', figures: {} },
      { rule: 'error-rate' as const, message: 'm', figures: {} },
      { rule: 'service-alive' as const, message: 'gone', figures: {} },
    ];
    const probe = stage({
      name: 'cap-3',
      validity: { valid: false, failures },
      origin: { recipeIndex: 0, recipeStage: 'cap', kind: 'capacity-search', role: 'probe', series: 'cap-3' },
    });
    expect(invalidReasons([probe])).toEqual(['stage cap-3: service-alive: gone']);
    const own = stage({ name: 'c8', validity: { valid: false, failures } });
    expect(invalidReasons([own])).toHaveLength(3);
  });
});
