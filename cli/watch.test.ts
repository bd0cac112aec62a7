import { describe, expect, it } from 'vitest';
import type { BenchmarkView } from '../control/types';
import type { BenchmarkStatus } from '../core/contract';
import type { ProgressSnapshot } from '../core/loadgen-protocol';
import type { StageSummary } from '../core/summary';
import { bar, renderWatch } from './watch';

const client = (clientIndex: number, elapsedMs: number): ProgressSnapshot =>
  ({
    clientIndex,
    elapsedMs,
    phase: 'measuring',
    sent: 10,
    ok: 9,
    failed: 1,
    inFlight: 2,
    ttftP50Ms: 41.2,
    ttftP99Ms: 50,
  }) as ProgressSnapshot;

function view(live: Partial<BenchmarkStatus>, clients: ProgressSnapshot[] = []): BenchmarkView {
  return {
    benchmarkId: 'bench-w-abcdef',
    workflowId: 'bench-w-abcdef',
    runId: 'r',
    status: 'running',
    phase: 'loading',
    recipeName: 'w',
    serviceKind: 'simulator',
    executor: 'local',
    startedAt: '2026-01-01T00:00:00.000Z',
    closedAt: null,
    live: {
      phase: 'loading',
      phases: [{ phase: 'loading', atMs: 1000 }],
      stageIndex: 1,
      stageName: 'c16',
      stageCount: 3,
      stageEndsAtMs: 21_000,
      stages: [
        { index: 0, name: 'c8', requests: { ok: 50 }, throughput: { requestsPerS: 5 } } as StageSummary,
      ],
      stopRequested: false,
      ...live,
    } as BenchmarkStatus,
    clients,
    failure: null,
  };
}

describe('bar', () => {
  it('fills proportionally and clamps', () => {
    expect(bar(0.5, 10)).toBe('[#####.....]  50%');
    expect(bar(2, 4)).toBe('[####] 100%');
    expect(bar(Number.NaN, 4)).toBe('[....]   0%');
  });
});

describe('renderWatch', () => {
  it('draws one bar per stage (done, running with its clients, waiting)', () => {
    const lines = renderWatch(view({}, [client(1, 10_000), client(0, 5000)]), 11_000);
    expect(lines[0]).toBe('bench-w-abcdef (w) running: loading');
    expect(lines[1]).toMatch(/stage 1\/3 c8 .*100% done: 50 ok, 5\.00 req\/s/);
    expect(lines[2]).toMatch(/stage 2\/3 c16 .*\[#{12}\.{12}\] {2}50% 10s left/);
    expect(lines[3]).toMatch(
      /client 0 \[#{4}\.{12}\] {2}25% measuring sent 10 ok 9 failed 1 inflight 2 \| TTFT p50 41\.2ms/,
    );
    expect(lines[4]).toMatch(/client 1 \[#{8}\.{8}\] {2}50%/);
    expect(lines[5]).toMatch(/stage 3\/3 .*0% waiting/);
  });

  it('says when a stop was requested, and shows only the headline without a live status', () => {
    expect(renderWatch(view({ stopRequested: true }), 2000).at(-1)).toMatch(/stop requested/);
    expect(renderWatch({ ...view({}), live: null }, 0)).toEqual(['bench-w-abcdef (w) running: loading']);
  });
});
