import { describe, expect, it } from 'vitest';
import type { BenchmarkSummary } from '../core/summary-format';
import { judgeStages, verdictOf } from '../core/verdict';
import { parsePromText } from './prom-text';
import { runSummaryText } from './verdict-metrics';

const stage = { name: 'c8', latencyMs: { ttft: { p99: 80 } }, throughput: { requestsPerS: 14 } };
const base = {
  benchmarkId: 'bench-x-1',
  recipeName: 'x',
  stages: [stage],
  environment: {
    aifb: { version: '0.1.0', commit: 'abc', node: 'v20' },
    recipeHash: 'sha256:ff',
    service: { kind: 'vllm', model: 'm', version: '0.11.2', models: ['meta/llama'] },
    nodes: ['gpu1'],
    jobs: [
      {
        role: 'service',
        name: 'bench-x-1-service',
        id: '77',
        executor: 'slurm',
        tasks: [
          {
            task: 0,
            hostname: 'gpu1',
            cpuModel: 'AMD EPYC 7452',
            gpus: { count: 4, models: ['NVIDIA A100'], driver: '550', list: [] },
          },
        ],
      },
    ],
  },
} as unknown as BenchmarkSummary;

const series = (text: string) =>
  parsePromText(text).samples.map((s) => ({ name: s.name, labels: s.labels, value: s.value }));

describe('run-summary series', () => {
  it('an info series with versions, recipe hash, node and GPUs; no verdict series without references', () => {
    const s = series(runSummaryText(base));
    expect(s).toEqual([
      {
        name: 'aifb_benchmark_info',
        value: 1,
        labels: {
          benchmark: 'bench-x-1',
          recipe: 'x',
          aifb_version: '0.1.0',
          aifb_commit: 'abc',
          recipe_hash: 'sha256:ff',
          service_kind: 'vllm',
          service_version: '0.11.2',
          model: 'meta/llama',
          service_node: 'gpu1',
          cpu_model: 'AMD EPYC 7452',
          gpus: '4x NVIDIA A100, driver 550',
        },
      },
    ]);
  });

  it('the verdict (1 pass, 0 fail), check counts, and per figure: pass, measured, reference and bounds', () => {
    const checks = judgeStages(
      [stage],
      {
        c8: {
          'latencyMs.ttft.p99': { value: 50, lower: null, upper: 0.2, unit: 'ms' },
          'throughput.requestsPerS': { value: 14.6, lower: -0.1, upper: null, unit: 'req/s' },
        },
      },
      'recipe',
    );
    const text = runSummaryText({ ...base, verdict: verdictOf(checks) });
    const s = series(text).filter((x) => x.name !== 'aifb_benchmark_info');
    const v = (name: string, figure?: string) =>
      s.find((x) => x.name === name && (figure === undefined || x.labels.figure === figure))?.value;
    expect(v('aifb_benchmark_verdict')).toBe(0);
    expect(
      s.filter((x) => x.name === 'aifb_benchmark_verdict_checks').map((x) => [x.labels.result, x.value]),
    ).toEqual([
      ['passed', 1],
      ['failed', 1],
    ]);
    expect(v('aifb_stage_reference_pass', 'latencyMs.ttft.p99')).toBe(0);
    expect(v('aifb_stage_reference_pass', 'throughput.requestsPerS')).toBe(1);
    expect(v('aifb_stage_reference_measured', 'latencyMs.ttft.p99')).toBe(80);
    expect(v('aifb_stage_reference_value', 'latencyMs.ttft.p99')).toBe(50);
    expect(v('aifb_stage_reference_upper_bound', 'latencyMs.ttft.p99')).toBe(60);
    // An unbounded side has no series, rather than an infinite one.
    expect(v('aifb_stage_reference_lower_bound', 'latencyMs.ttft.p99')).toBeUndefined();
    expect(s.find((x) => x.name === 'aifb_stage_reference_pass')?.labels).toEqual({
      benchmark: 'bench-x-1',
      recipe: 'x',
      stage_name: 'c8',
      figure: 'latencyMs.ttft.p99',
      source: 'recipe',
    });
    expect(runSummaryText({ ...base, verdict: verdictOf([]) })).toMatch(/^aifb_benchmark_verdict\{.*\} -1$/m);
  });
});
