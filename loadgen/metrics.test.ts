import { describe, expect, it } from 'vitest';
import { computeMetrics, forEachItlPerToken, meetsSlo, type Timeline, tokensPerChunk } from './metrics';

const tl = (t: Partial<Timeline> & Pick<Timeline, 'chunkTimesMs' | 'endMs'>): Timeline => ({
  intendedMs: t.sendMs ?? 0,
  sendMs: 0,
  chunkTokens: null,
  outputTokens: null,
  streamChunks: t.chunkTimesMs.length,
  ...t,
});

/** forEachItlPerToken's calls as [ms, count] pairs. */
function perToken(t: Timeline): [number, number][] {
  const out: [number, number][] = [];
  forEachItlPerToken(t, computeMetrics(t).outputTokens, (ms, count) => out.push([ms, count]));
  return out;
}

describe('computeMetrics', () => {
  it('1-token output: TTFT and E2E only, no ITL, no TPOT', () => {
    const m = computeMetrics(tl({ sendMs: 100, chunkTimesMs: [150], endMs: 155, outputTokens: 1 }));
    expect(m).toEqual({
      ttftMs: 50,
      e2eMs: 55,
      ttftServiceMs: 50,
      e2eServiceMs: 55,
      lagMs: 0,
      itlMs: [],
      tpotMs: null,
      outputTokens: 1,
      streamTokens: 1,
    });
  });

  it('k tokens per chunk: ITL per chunk is one gap, per token k gaps of gap / k; TPOT over usage tokens', () => {
    // 3 chunks of 2 tokens each: usage says 6. TPOT = (95 - 40) / (6 - 1) = 11.
    const t = tl({ chunkTimesMs: [40, 60, 90], endMs: 95, outputTokens: 6 });
    const m = computeMetrics(t);
    expect(m).toMatchObject({ ttftMs: 40, e2eMs: 95, itlMs: [20, 30], tpotMs: 11, outputTokens: 6 });
    // The first chunk's second token arrived with the first: a 0 gap. Then 2 × 10, 2 × 15.
    const pairs = perToken(t);
    expect(pairs).toEqual([
      [0, 1],
      [10, 2],
      [15, 2],
    ]);
    // Per-token gaps add up to last chunk − first chunk, over n − 1 tokens.
    const total = pairs.reduce((a, [ms, n]) => a + ms * n, 0);
    expect(total).toBe(90 - 40);
    expect(pairs.reduce((a, [, n]) => a + n, 0)).toBe(5);
  });

  it('uses the per-chunk token counts when the server gave them, and cross-checks them', () => {
    const t = tl({ chunkTimesMs: [10, 20, 50], chunkTokens: [1, 1, 3], endMs: 50, outputTokens: 5 });
    const m = computeMetrics(t);
    expect(perToken(t)).toEqual([
      [10, 1],
      [10, 3],
    ]);
    expect(m.streamTokens).toBe(5);
    expect(tokensPerChunk(3, 7, null)).toEqual([3, 2, 2]);
    expect(tokensPerChunk(2, 7, [4, 3])).toEqual([4, 3]);
  });

  it('falls back to stream chunks when usage is missing', () => {
    // TPOT = (50 - 10) / (4 - 1)
    const t = tl({ chunkTimesMs: [10, 20, 30, 40], endMs: 50 });
    const m = computeMetrics(t);
    expect(m.outputTokens).toBe(4);
    expect(m.tpotMs).toBeCloseTo(40 / 3, 10);
    expect(m.itlMs).toEqual([10, 10, 10]);
    expect(perToken(t)).toEqual([
      [10, 1],
      [10, 1],
      [10, 1],
    ]);
  });

  it('a usage-only last chunk extends E2E but adds no ITL gap', () => {
    // Tokens at 30 and 35; the usage chunk at 60 is not token-bearing so it is not in chunkTimesMs.
    const m = computeMetrics(tl({ sendMs: 0, chunkTimesMs: [30, 35], endMs: 60, outputTokens: 2 }));
    expect(m).toMatchObject({ ttftMs: 30, e2eMs: 60, itlMs: [5], tpotMs: 30, outputTokens: 2 });
  });

  it('no token at all: no TTFT and no TPOT', () => {
    const t = tl({ sendMs: 5, chunkTimesMs: [], endMs: 25, outputTokens: 0 });
    expect(computeMetrics(t)).toMatchObject({ ttftMs: null, e2eMs: 20, itlMs: [], tpotMs: null });
    expect(perToken(t)).toEqual([]);
  });

  it('open loop: response time from the intended send, service time from the actual one', () => {
    // Due at 100, sent at 103 (3 ms late), first token at 120, last byte at 150.
    const m = computeMetrics(
      tl({ intendedMs: 100, sendMs: 103, chunkTimesMs: [120, 130, 140], endMs: 150, outputTokens: 3 }),
    );
    expect(m).toMatchObject({ ttftMs: 20, e2eMs: 50, ttftServiceMs: 17, e2eServiceMs: 47, lagMs: 3 });
    expect(m.tpotMs).toBe(15); // a difference: the same from either origin
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
  it('judges response time: a late send can fail an SLO the server met', () => {
    const late = computeMetrics(
      tl({ intendedMs: 0, sendMs: 30, chunkTimesMs: [60], endMs: 60, outputTokens: 1 }),
    );
    expect(meetsSlo(late, { ttftMs: 40 })).toBe(false);
  });
  it('undefined TPOT/ITL cannot fail, a missing TTFT fails a TTFT SLO', () => {
    const one = computeMetrics(tl({ chunkTimesMs: [10], endMs: 12, outputTokens: 1 }));
    expect(meetsSlo(one, { tpotMs: 0, itlMs: 0 })).toBe(true);
    const none = computeMetrics(tl({ chunkTimesMs: [], endMs: 12, outputTokens: 0 }));
    expect(meetsSlo(none, { ttftMs: 1000 })).toBe(false);
  });
});
