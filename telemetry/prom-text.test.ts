import { describe, expect, it } from 'vitest';
import { formatPromText, parsePromText } from './prom-text';
import { groupPath } from './pushgateway';

const VLLM = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="m"} 3.0
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{le="0.001",model_name="m"} 0.0
vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="m"} 12.0
vllm:time_to_first_token_seconds_count{model_name="m"} 12.0
vllm:time_to_first_token_seconds_sum{model_name="m"} 0.61
odd_label{path="a\\"b\\\\c\\nd"} NaN 1700000000000
`;

describe('Prometheus text format', () => {
  it('parses names with colons, escaped label values, +Inf, NaN and timestamps', () => {
    const { samples, families } = parsePromText(VLLM);
    expect(samples).toHaveLength(6);
    expect(samples[0]).toEqual({
      name: 'vllm:num_requests_running',
      labels: { engine: '0', model_name: 'm' },
      value: 3,
    });
    expect(samples[2]!.labels.le).toBe('+Inf');
    expect(samples[5]!.labels.path).toBe('a"b\\c\nd');
    expect(samples[5]!.value).toBeNaN();
    expect(samples[5]!.timestampMs).toBe(1_700_000_000_000);
    expect(families.get('vllm:time_to_first_token_seconds')?.type).toBe('histogram');
  });

  it('writes it back without timestamps, and the result parses to the same samples', () => {
    const parsed = parsePromText(VLLM);
    const text = formatPromText(parsed);
    expect(text).not.toMatch(/1700000000000/);
    expect(text).toMatch(/^# TYPE vllm:time_to_first_token_seconds histogram$/m);
    const again = parsePromText(text);
    expect(again.samples.map((s) => [s.name, s.labels, s.value])).toEqual(
      parsed.samples.map((s) => [s.name, s.labels, s.value]),
    );
  });

  it('says which line is broken', () => {
    expect(() => parsePromText('ok 1\nbad{x="1" 2\n')).toThrow(/line 2/);
  });
});

describe('Pushgateway grouping key path', () => {
  it('encodes plain values as path segments and awkward ones in base64url', () => {
    expect(groupPath({ benchmark: 'bench-demo-ab12', component: 'service' })).toBe(
      '/metrics/job/aifb/benchmark/bench-demo-ab12/component/service',
    );
    expect(groupPath({ stage: 'a/b', x: '' })).toBe('/metrics/job/aifb/stage@base64/YS9i/x@base64/=');
  });
});
