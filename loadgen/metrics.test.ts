import { describe, expect, it } from 'vitest';
import { computeMetrics, meetsSlo, type Timeline } from './metrics';

const tl = (t: Partial<Timeline> & Pick<Timeline, 'chunkTimesMs' | 'endMs'>): Timeline => ({
  sendMs: 0,
  outputTokens: null,
  streamChunks: t.chunkTimesMs.length,
  ...t,
});

describe('computeMetrics', () => {
  it('1-token output: TTFT and E2E only, no ITL, no TPOT', () => {
    const m = computeMetrics(tl({ sendMs: 100, chunkTimesMs: [150], endMs: 155, outputTokens: 1 }));
    expect(m).toEqual({ ttftMs: 50, e2eMs: 55, itlMs: [], tpotMs: null, outputTokens: 1 });
  });

  it('k tokens per chunk: ITL per chunk, TPOT over usage tokens', () => {
    // 3 chunks of 2 tokens each: usage says 6. TPOT = (95 - 40) / (6 - 1) = 11.
    const m = computeMetrics(tl({ chunkTimesMs: [40, 60, 90], endMs: 95, outputTokens: 6 }));
    expect(m).toEqual({ ttftMs: 40, e2eMs: 95, itlMs: [20, 30], tpotMs: 11, outputTokens: 6 });
  });

  it('falls back to stream chunks when usage is missing', () => {
    // TPOT = (50 - 10) / (4 - 1)
    const m = computeMetrics(tl({ chunkTimesMs: [10, 20, 30, 40], endMs: 50 }));
    expect(m.outputTokens).toBe(4);
    expect(m.tpotMs).toBeCloseTo(40 / 3, 10);
    expect(m.itlMs).toEqual([10, 10, 10]);
  });

  it('a usage-only last chunk extends E2E but adds no ITL gap', () => {
    // Tokens at 30 and 35; the usage chunk at 60 is not token-bearing so it is not in chunkTimesMs.
    const m = computeMetrics(tl({ sendMs: 0, chunkTimesMs: [30, 35], endMs: 60, outputTokens: 2 }));
    expect(m).toEqual({ ttftMs: 30, e2eMs: 60, itlMs: [5], tpotMs: 30, outputTokens: 2 });
  });

  it('no token at all: no TTFT and no TPOT', () => {
    const m = computeMetrics(tl({ sendMs: 5, chunkTimesMs: [], endMs: 25, outputTokens: 0 }));
    expect(m).toEqual({ ttftMs: null, e2eMs: 20, itlMs: [], tpotMs: null, outputTokens: 0 });
  });
});

describe('meetsSlo', () => {
  const m = computeMetrics(tl({ chunkTimesMs: [40, 60, 90], endMs: 95, outputTokens: 6 })); // ttft 40, tpot 11, itl max 30
  it('passes without SLO and at exact bounds', () => {
    expect(meetsSlo(m, undefined)).toBe(true);
    expect(meetsSlo(m, { ttftMs: 40, tpotMs: 11, itlMs: 30, e2eMs: 95 })).toBe(true);
  });
  it('fails on each metric separately', () => {
    expect(meetsSlo(m, { ttftMs: 39 })).toBe(false);
    expect(meetsSlo(m, { tpotMs: 10.9 })).toBe(false);
    expect(meetsSlo(m, { itlMs: 29 })).toBe(false); // the worst gap decides
    expect(meetsSlo(m, { e2eMs: 94 })).toBe(false);
  });
  it('undefined TPOT/ITL cannot fail, a missing TTFT fails a TTFT SLO', () => {
    const one = computeMetrics(tl({ chunkTimesMs: [10], endMs: 12, outputTokens: 1 }));
    expect(meetsSlo(one, { tpotMs: 0, itlMs: 0 })).toBe(true);
    const none = computeMetrics(tl({ chunkTimesMs: [], endMs: 12, outputTokens: 0 }));
    expect(meetsSlo(none, { ttftMs: 1000 })).toBe(false);
  });
});
