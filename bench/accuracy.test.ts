import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../core/loadgen-protocol';
import { absQuantiles, measurementErrors, type ServerTiming, serverLateness } from './accuracy';

const record = (id: string, chunkMs: number[], extra: Partial<RequestRecord> = {}): RequestRecord => ({
  stage: 0,
  client: 0,
  seq: 0,
  id,
  intendedMs: 0,
  sentMs: 0,
  measured: true,
  ok: true,
  maxTokens: chunkMs.length,
  chunkMs,
  ...extra,
});
const line = (
  requestId: string | null,
  chunkMs: number[],
  outcome: ServerTiming['outcome'] = 'finished',
) => ({
  requestId,
  outcome,
  chunkMs,
});

describe('measurementErrors', () => {
  it('subtracts the server view from the client view, request by request', () => {
    const e = measurementErrors(
      [record('a', [20.3, 25.4, 30.2]), record('b', [21, 26])],
      [line('b', [20, 25]), line('a', [20, 25, 30])],
    );
    expect(e.joined).toBe(2);
    expect(e.unmatched).toBe(0);
    expect(e.ttft.map((x) => +x.toFixed(3))).toEqual([0.3, 1]);
    // a: gaps 5.1 and 4.8 against 5 and 5; b: 5 against 5.
    expect(e.itl.map((x) => +x.toFixed(3))).toEqual([0.1, -0.2, 0]);
    expect(e.tpot.map((x) => +x.toFixed(3))).toEqual([-0.05, 0]);
  });

  it('skips failed, unmeasured and aborted requests, and counts what does not join', () => {
    const e = measurementErrors(
      [
        record('failed', [], { ok: false }),
        record('warmup', [1], { measured: false }),
        record('aborted', [1]),
        record('missing', [1]),
        record('short', [1, 2]),
        record('ok', [1]),
      ],
      [line('aborted', [1], 'aborted'), line('short', [1]), line('ok', [0.5]), line(null, [1])],
    );
    expect([e.joined, e.unmatched, e.ttft, e.itl, e.tpot]).toEqual([1, 3, [0.5], [], []]);
  });
});

describe('absQuantiles and serverLateness', () => {
  it('takes exact quantiles of the absolute errors', () => {
    const errors = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? -1 : 1) * (i + 1));
    expect(absQuantiles(errors)).toEqual({ p50: 50, p99: 99 });
    expect(absQuantiles([])).toEqual({ p50: Number.NaN, p99: Number.NaN });
  });

  it('measures the server against its configured delays', () => {
    const late = serverLateness([line('a', [20.5, 25.6]), line('b', [1], 'aborted')], {
      ttftMs: 20,
      itlMs: 5,
    });
    expect(late.ttft).toEqual([0.5]);
    expect(late.itl.map((x) => +x.toFixed(3))).toEqual([0.1]);
  });
});
