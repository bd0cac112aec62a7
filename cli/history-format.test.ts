import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../core/history';
import { renderHistory } from './history-format';

const entry = (id: string, status: HistoryEntry['status'], verdict: HistoryEntry['verdict'], ttft: number) =>
  ({
    schema: 'aifb.history/v1',
    benchmarkId: id,
    status,
    finishedAt: '2026-01-02T03:04:05.678Z',
    recipeHash: 'sha256:0123456789abcdef',
    verdict,
    stages: [
      {
        name: 'c8',
        mode: 'concurrency',
        valid: true,
        figures: { 'throughput.requestsPerS': 14.6, 'latencyMs.ttft.p99': ttft },
      },
    ],
  }) as unknown as HistoryEntry;

describe('aifb history table', () => {
  it('one row per run and stage; good runs starred; a failed verdict with its count', () => {
    const text = renderHistory('nightly', [
      entry('bench-nightly-1', 'completed', { outcome: 'pass', checked: 3, failed: 0 }, 54),
      entry('bench-nightly-2', 'completed', { outcome: 'fail', checked: 3, failed: 2 }, 108),
      entry('bench-nightly-3', 'invalid', null, 50),
    ]);
    expect(text).toMatch(
      /2026-01-02 03:04:05 .*bench-nightly-1 .*completed \* .*pass .*01234567 .*c8 .*14\.60 .*54 /,
    );
    expect(text).toMatch(/bench-nightly-2 .*completed .*fail \(2\) .*108/);
    expect(text).not.toMatch(/bench-nightly-2 .*completed \*/);
    expect(text).toMatch(/bench-nightly-3 .*invalid .*- /);
    expect(renderHistory('x', [])).toBe('no runs of x in its history yet');
  });
});
