import { describe, expect, it } from 'vitest';
import type { BenchmarkStatus } from '../core/contract';
import type { ProgressSnapshot } from '../core/loadgen-protocol';
import { expiredGroups } from './janitor';
import { parsePromText } from './prom-text';
import type { PushedGroup } from './pushgateway';
import { clientText, stageSummaryText, statusText, systemText } from './run-metrics';

const values = (text: string) =>
  Object.fromEntries(
    parsePromText(text).samples.map((s) => [
      `${s.name}${Object.entries(s.labels)
        .filter(([k]) => !['benchmark', 'recipe', 'stage_name', 'client'].includes(k))
        .map(([k, v]) => `|${k}=${v}`)
        .join('')}`,
      s.value,
    ]),
  );

describe('status metrics', () => {
  it('one phase at 1, the code, entry times and the stage', () => {
    const status = {
      benchmarkId: 'b1',
      phase: 'loading',
      phases: [
        { phase: 'validating', atMs: 1000 },
        { phase: 'deploying', atMs: 2000 },
        { phase: 'loading', atMs: 5000 },
      ],
      stageIndex: 1,
      stageName: 'p20',
      stageCount: 2,
      stageEndsAtMs: 9000,
      stages: [],
    } as unknown as BenchmarkStatus;
    const v = values(statusText(status, 'demo'));
    expect(v['aifb_benchmark_phase|phase=loading']).toBe(1);
    expect(v['aifb_benchmark_phase|phase=deploying']).toBe(0);
    expect(v.aifb_benchmark_phase_code).toBe(3);
    expect(v['aifb_benchmark_phase_entered_timestamp_seconds|phase=deploying']).toBe(2);
    expect(v.aifb_benchmark_stage).toBe(1);
    expect(v.aifb_benchmark_stage_planned_end_timestamp_seconds).toBe(9);
    expect(v.aifb_benchmark_stage_rate_requested_per_second).toBeUndefined(); // closed loop: none
    expect(values(statusText(status, 'demo', 20)).aifb_benchmark_stage_rate_requested_per_second).toBe(20);
  });
});

describe('client metrics', () => {
  const snap = (timeMs: number, ok: number, sent: number) =>
    ({
      version: 1,
      clientIndex: 0,
      timeMs,
      elapsedMs: timeMs,
      phase: 'measuring',
      sent,
      ok,
      failed: 1,
      inFlight: 4,
      outputTokens: ok * 10,
      ttftP50Ms: 40,
      ttftP99Ms: 55,
      e2eP50Ms: null,
      scheduleLagP99Ms: 0.5,
      errors: { timeout: 1 },
    }) as unknown as ProgressSnapshot;

  it('counters, quantiles in seconds, pass-through fields and rates against the previous snapshot', () => {
    const v = values(
      clientText(snap(3000, 50, 60), snap(1000, 30, 38), { benchmark: 'b', recipe: 'r', stage_name: 's' }),
    );
    expect(v['aifb_client_requests_total|outcome=ok']).toBe(50);
    expect(v['aifb_client_ttft_seconds|quantile=0.99']).toBeCloseTo(0.055);
    expect(v['aifb_client_schedule_lag_seconds|quantile=0.99']).toBeCloseTo(0.0005);
    expect(v['aifb_client_e2e_seconds|quantile=0.5']).toBeUndefined(); // null: not pushed
    expect(v['aifb_client_errors_total|kind=timeout']).toBe(1);
    expect(v.aifb_client_requests_per_second).toBe(10);
    expect(v.aifb_client_sent_per_second).toBe(11);
    expect(v.aifb_client_output_tokens_per_second).toBe(100);
  });

  it('no rates without a previous snapshot', () => {
    expect(
      values(clientText(snap(3000, 50, 60), undefined, { benchmark: 'b', recipe: 'r', stage_name: 's' }))
        .aifb_client_requests_per_second,
    ).toBeUndefined();
  });
});

describe('stage summary and system metrics', () => {
  it('every number of the summary by its path', () => {
    const v = values(
      stageSummaryText({ index: 0, requests: { ok: 7 }, latencyMs: { ttft: { p99: 5 } }, mode: 'x' }, {}),
    );
    expect(v.aifb_stage_requests_ok).toBe(7);
    expect(v.aifb_stage_latency_ms_ttft_p99).toBe(5);
  });

  it('booleans as 1/0 and each failed validity rule once', () => {
    const failure = (rule: string) => ({ rule, message: 'm', figures: {} });
    const v = values(
      stageSummaryText(
        {
          tokens: { exactOutputLength: true },
          validity: {
            valid: false,
            failures: [failure('error-rate'), failure('loadgen-saturated'), failure('error-rate')],
          },
        },
        {},
      ),
    );
    expect(v.aifb_stage_tokens_exact_output_length).toBe(1);
    expect(v.aifb_stage_validity_valid).toBe(0);
    expect(v['aifb_stage_validity_failed|rule=error-rate']).toBe(1);
    expect(v['aifb_stage_validity_failed|rule=loadgen-saturated']).toBe(1);
    expect(values(stageSummaryText({ validity: { valid: true, failures: [] } }, {}))).toEqual({
      aifb_stage_validity_valid: 1,
    });
  });

  it('absent GPUs are a 0, not made-up numbers', () => {
    const v = values(
      systemText(
        { timeMs: 1, cpuSeconds: 2, rssBytes: 3, processes: 1 },
        [],
        'nvidia-smi not found on n1',
        {},
      ),
    );
    expect(v.aifb_gpu_present).toBe(0);
    expect(v.aifb_service_cpu_seconds_total).toBe(2);
    expect(Object.keys(v).some((k) => k.startsWith('aifb_gpu_power'))).toBe(false);
  });
});

describe('Pushgateway retention', () => {
  const group = (benchmark: string, component: string, lastPushMs: number, code?: number): PushedGroup => ({
    labels: { job: 'aifb', benchmark, component },
    lastPushMs,
    gauges: code === undefined ? {} : { aifb_benchmark_phase_code: code },
  });

  it('expires finished benchmarks after the retention, running ones only when abandoned for a day', () => {
    const now = 100 * 3_600_000;
    const groups = [
      group('done-old', 'workflow', now - 700_000, 6),
      group('done-old', 's0-clients-0', now - 900_000),
      group('done-new', 'workflow', now - 100_000, 7),
      group('running', 'workflow', now - 700_000, 3),
      group('abandoned', 'workflow', now - 25 * 3_600_000, 3),
      { labels: { job: 'other', benchmark: 'x' }, lastPushMs: 0, gauges: {} },
    ];
    const expired = expiredGroups(groups, 600_000, now).map(
      (g) => `${g.labels.benchmark}/${g.labels.component}`,
    );
    expect(expired).toEqual(['done-old/workflow', 'done-old/s0-clients-0', 'abandoned/workflow']);
  });
});
