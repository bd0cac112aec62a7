import { describe, expect, it } from 'vitest';
import { decodeHistogram, summarize } from './histograms';
import { type RequestOutcome, StageStats } from './stats';

const ok = (
  chunkTimesMs: number[],
  endMs: number,
  outputTokens: number | null,
  promptTokens: number | null = 7,
) =>
  ({
    ok: true,
    timeline: { sendMs: 0, chunkTimesMs, endMs, outputTokens, streamChunks: chunkTimesMs.length },
    promptTokens,
    inputWords: 5,
  }) satisfies RequestOutcome;

const counts = (s: StageStats) =>
  Object.fromEntries(
    Object.entries(s.encodeHistograms()).map(([k, v]) => [k, summarize(decodeHistogram(v)).count]),
  );

describe('StageStats', () => {
  it('counts a mid-stream error as failed by kind, with nothing in the histograms', () => {
    const s = new StageStats();
    s.onSent();
    s.onOutcome({ ok: false, error: 'malformed_stream' }, true);
    expect(s.measured).toMatchObject({ ok: 0, failed: 1, errors: { malformed_stream: 1 }, outputTokens: 0 });
    expect(s.total).toEqual({ sent: 1, ok: 0, failed: 1 });
    expect(counts(s)).toEqual({ ttft: 0, e2e: 0, itl: 0, tpot: 0 });
  });

  it('records a measured ok request everywhere, per chunk for ITL', () => {
    const s = new StageStats({ ttftMs: 100 });
    s.onOutcome(ok([40, 60, 90], 95, 6), true); // 2 ITL gaps, 1 TPOT
    s.onOutcome(ok([10], 12, 1), true); // no ITL, no TPOT
    expect(s.measured).toMatchObject({
      ok: 2,
      failed: 0,
      outputTokens: 7,
      inputTokens: 14,
      streamChunks: 4,
      usageMissing: 0,
      goodOk: 2,
    });
    expect(counts(s)).toEqual({ ttft: 2, e2e: 2, itl: 2, tpot: 1 });
    expect(summarize(s.ttft.histogram).max).toBeCloseTo(40, 1);
  });

  it('falls back to words and stream chunks without usage, and counts usageMissing', () => {
    const s = new StageStats();
    s.onOutcome(ok([1, 2, 3], 4, null, null), true);
    expect(s.measured).toMatchObject({ inputTokens: 5, outputTokens: 3, usageMissing: 1 });
  });

  it('keeps requests sent outside the window out of measured figures but in total', () => {
    const s = new StageStats();
    s.onOutcome(ok([1, 2], 3, 2), false);
    s.onOutcome({ ok: false, error: 'timeout' }, false);
    expect(s.measured).toMatchObject({ ok: 0, failed: 0, errors: {}, outputTokens: 0 });
    expect(s.total).toMatchObject({ ok: 1, failed: 1 });
    expect(s.totalOutputTokens).toBe(2);
    expect(counts(s).e2e).toBe(0);
  });

  it('counts goodput against every SLO', () => {
    const s = new StageStats({ ttftMs: 50, tpotMs: 10 });
    s.onOutcome(ok([40, 60, 90], 95, 6), true); // tpot 11 > 10
    s.onOutcome(ok([20, 25], 30, 2), true); // ttft 20, tpot 10
    expect(s.measured.goodOk).toBe(1);
  });
});
