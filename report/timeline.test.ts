import { describe, expect, it } from 'vitest';
import { withGaps } from './plot-timeline';
import { scrapeTimeline, timelineQueries, timelineStepS } from './timeline';

describe('timeline', () => {
  it('steps at most ~400 points, never under 1 s', () => {
    expect(timelineStepS(0, 30_000)).toBe(1);
    expect(timelineStepS(0, 4 * 3600_000)).toBe(36);
  });

  it('queries the benchmark by its label, and refuses an id unsafe in PromQL', () => {
    const queries = timelineQueries('bench-a-123456', 1);
    expect(queries.map((q) => q.key)).toEqual([
      'clientSent',
      'clientCompleted',
      'running',
      'waiting',
      'kvCache',
      'gpuUtil',
      'gpuPower',
      'serviceCpu',
    ]);
    for (const q of queries) expect(q.expr).toContain('{benchmark="bench-a-123456"}');
    // The rate gauges of clients whose stage is not done: a finished stage leaves its last value behind.
    expect(queries[0]!.expr).toBe(
      'sum(aifb_client_sent_per_second{benchmark="bench-a-123456"} and on(stage, component) (aifb_client_phase{benchmark="bench-a-123456",phase="done"} == 0))',
    );
    expect(queries.at(-1)!.expr).toBe(
      'sum(rate(aifb_service_cpu_seconds_total{benchmark="bench-a-123456"}[6s]))',
    );
    expect(() => timelineQueries('bench"} or vector(1) #', 1)).toThrow(/unsafe benchmark id/);
  });

  it('reads running, waiting and KV cache (in %) from the scrape copy inside the run', () => {
    const line = (timeMs: number, running: number, kv: number) =>
      JSON.stringify({
        timeMs,
        samples: [
          ['llamacpp:requests_processing', {}, running],
          ['llamacpp:requests_deferred', {}, 1],
          ['llamacpp:kv_cache_usage_ratio', {}, kv],
        ],
      });
    const jsonl = [line(500, 9, 0.9), line(1000, 2, 0.25), line(2000, 3, 0.5), '{"timeMs": 25', ''].join(
      '\n',
    );
    const series = scrapeTimeline(jsonl, 1000, 3000);
    expect(series.map((s) => [s.key, s.points])).toEqual([
      [
        'running',
        [
          [1000, 2],
          [2000, 3],
        ],
      ],
      [
        'waiting',
        [
          [1000, 1],
          [2000, 1],
        ],
      ],
      [
        'kvCache',
        [
          [1000, 25],
          [2000, 50],
        ],
      ],
    ]);
  });

  it('breaks a line where its samples stop (between stages), not where they are merely sparse', () => {
    const points: [number, number][] = [
      [0, 1],
      [1000, 2],
      [2000, 3],
      [9000, 4],
      [10_000, 5],
    ];
    const out = withGaps(points);
    expect(out).toHaveLength(6);
    expect(out[3]![0]).toBe(5500);
    expect(out[3]![1]).toBeNaN();
    expect(withGaps(points.slice(0, 3))).toEqual(points.slice(0, 3));
  });
});
