import { describe, expect, it } from 'vitest';
import { aggregateSelectors } from './prometheus';
import { aggregateScrapes } from './stage-telemetry';

const scrape = (timeMs: number, samples: [string, Record<string, string>, number][]) =>
  JSON.stringify({ timeMs, samples });

describe('server aggregates from the raw scrape copy', () => {
  it('sums running/waiting over engines, averages KV use, keeps to the window, skips a torn line', () => {
    const jsonl = [
      scrape(500, [['vllm:num_requests_running', { engine: '0' }, 99]]), // before the window
      scrape(1000, [
        ['vllm:num_requests_running', { engine: '0' }, 2],
        ['vllm:num_requests_running', { engine: '1' }, 4],
        ['vllm:num_requests_waiting', {}, 1],
        ['vllm:kv_cache_usage_perc', { engine: '0' }, 0.2],
        ['vllm:kv_cache_usage_perc', { engine: '1' }, 0.4],
      ]),
      scrape(2000, [['llamacpp:requests_processing', {}, 2]]),
      '{"timeMs": 2500, "samp',
    ].join('\n');
    const a = aggregateScrapes(jsonl, { startMs: 1000, endMs: 3000 });
    expect(a.scrapes).toBe(2);
    expect(a.runningRequests).toEqual({ mean: 4, max: 6 });
    expect(a.waitingRequests).toEqual({ mean: 1, max: 1 });
    expect(a.kvCacheUsage.mean).toBeCloseTo(0.3);
  });

  it('the PromQL asks for the same names, for this benchmark only', () => {
    const s = aggregateSelectors('bench-x-1');
    expect(s.runningRequests).toBe(
      'sum(vllm:num_requests_running{benchmark="bench-x-1"}) or sum(llamacpp:requests_processing{benchmark="bench-x-1"})',
    );
    expect(s.kvCacheUsage).toMatch(
      /^avg\(vllm:kv_cache_usage_perc.*or avg\(vllm:gpu_cache_usage_perc.*or avg\(llamacpp:kv_cache_usage_ratio/,
    );
    expect(() => aggregateSelectors('x"} or up{')).toThrow(/unsafe/);
  });
});
