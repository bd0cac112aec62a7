import { describe, expect, it } from 'vitest';
import { decodeHistogram, summarize } from '../core/histograms';
import { type RequestOutcome, StageStats } from './stats';

const ok = (
  chunkTimesMs: number[],
  endMs: number,
  outputTokens: number | null,
  promptTokens: number | null = 7,
  maxTokens = outputTokens ?? chunkTimesMs.length,
) =>
  ({
    ok: true,
    timeline: {
      intendedMs: 0,
      sendMs: 0,
      chunkTimesMs,
      chunkTokens: null,
      endMs,
      outputTokens,
      streamChunks: chunkTimesMs.length,
    },
    promptTokens,
    inputWords: 5,
    maxTokens,
    cachedTokens: null,
    serverTimings: null,
  }) satisfies RequestOutcome;

const counts = (s: StageStats) =>
  Object.fromEntries(
    Object.entries(s.encodeHistograms()).map(([k, v]) => [k, summarize(decodeHistogram(v)).count]),
  );
const none = {
  ttft: 0,
  e2e: 0,
  itl: 0,
  itlPerToken: 0,
  tpot: 0,
  ttftService: 0,
  e2eService: 0,
  scheduleLag: 0,
  serverTpot: 0,
  serverPromptMs: 0,
};

describe('StageStats', () => {
  it('counts a mid-stream error as failed by kind, with nothing in the latency histograms', () => {
    const s = new StageStats();
    s.onSent(true);
    s.onOutcome({ ok: false, error: 'malformed_stream' }, true, 0.2);
    s.onSent(true);
    s.onOutcome({ ok: false, error: 'early_stop' }, true, 0);
    expect(s.measured).toMatchObject({
      sent: 2,
      ok: 0,
      failed: 2,
      errors: { malformed_stream: 1, early_stop: 1 },
      outputTokens: 0,
    });
    expect(s.total).toEqual({
      sent: 2,
      ok: 0,
      failed: 2,
      errors: { malformed_stream: 1, early_stop: 1 },
      reconnects: 0,
    });
    // Only the schedule lag of the two requests is recorded.
    expect(counts(s)).toEqual({ ...none, scheduleLag: 2 });
  });

  it('records a measured ok request everywhere, per chunk and per token for ITL', () => {
    const s = new StageStats({ ttftMs: 100 });
    s.onOutcome(ok([40, 60, 90], 95, 6), true); // 2 chunk gaps, 5 token gaps, 1 TPOT
    s.onOutcome(ok([10], 12, 1), true); // no ITL, no TPOT
    expect(s.measured).toMatchObject({
      ok: 2,
      failed: 0,
      outputTokens: 7,
      inputTokens: 14,
      streamChunks: 4,
      usageMissing: 0,
      streamMismatch: 1, // 3 chunks carried 6 tokens: the stream-side count (chunks) disagrees
      lengthShort: 0,
      goodOk: 2,
    });
    expect(counts(s)).toEqual({
      ...none,
      scheduleLag: 2,
      ttft: 2,
      e2e: 2,
      itl: 2,
      itlPerToken: 5,
      tpot: 1,
      ttftService: 2,
      e2eService: 2,
    });
    expect(summarize(s.h.ttft.histogram).max).toBeCloseTo(40, 1);
  });

  it('falls back to words and stream chunks without usage, and counts usageMissing', () => {
    const s = new StageStats();
    s.onOutcome(ok([1, 2, 3], 4, null, null), true);
    expect(s.measured).toMatchObject({ inputTokens: 5, outputTokens: 3, usageMissing: 1, streamMismatch: 0 });
  });

  it('counts outputs shorter than max_tokens', () => {
    const s = new StageStats();
    s.onOutcome(ok([1, 2], 3, 2, 7, 16), true);
    s.onOutcome(ok([1, 2], 3, 2, 7, 2), true);
    expect(s.measured.lengthShort).toBe(1);
  });

  it('keeps requests sent outside the window out of measured figures but in total', () => {
    const s = new StageStats();
    s.onSent(false);
    s.onOutcome(ok([1, 2], 3, 2), false);
    s.onOutcome({ ok: false, error: 'timeout' }, false);
    expect(s.measured).toMatchObject({ sent: 0, ok: 0, failed: 0, errors: {}, outputTokens: 0 });
    expect(s.total).toMatchObject({ sent: 1, ok: 1, failed: 1, errors: { timeout: 1 } });
    expect(s.totalOutputTokens).toBe(2);
    expect(counts(s)).toEqual(none);
  });

  it('counts goodput against every SLO', () => {
    const s = new StageStats({ ttftMs: 50, tpotMs: 10 });
    s.onOutcome(ok([40, 60, 90], 95, 6), true); // tpot 11 > 10
    s.onOutcome(ok([20, 25], 30, 2), true); // ttft 20, tpot 10
    expect(s.measured.goodOk).toBe(1);
  });

  it('counts values clamped into the histogram range', () => {
    const s = new StageStats();
    s.onOutcome({ ok: false, error: 'timeout' }, true, -1); // a clock bug would show, not vanish
    expect(s.clamped).toBe(1);
  });
});

describe('StageStats for real servers', () => {
  const timings = { promptN: 64, promptMs: 12, predictedN: 8, predictedMs: 40, predictedPerTokenMs: 5 };

  it('counts reconnects apart from failures, measured and total', () => {
    const s = new StageStats();
    s.onOutcome({ ...ok([10, 20], 30, 2), reconnected: true }, true);
    s.onOutcome({ ok: false, error: 'connection_reset', reconnected: true }, true);
    s.onOutcome({ ...ok([10, 20], 30, 2), reconnected: true }, false);
    expect([s.measured.ok, s.measured.failed, s.measured.reconnects]).toEqual([1, 1, 2]);
    expect([s.total.reconnects, s.total.failed]).toEqual([3, 1]);
  });

  it('keeps the asked input length apart from what the server counted and cached', () => {
    const s = new StageStats();
    s.onOutcome({ ...ok([10, 20], 30, 2, 94), cachedTokens: 30 }, true);
    s.onOutcome(ok([10, 20], 30, 2, null), true);
    s.onOutcome({ ...ok([10, 20], 30, 2, 90), cachedTokens: 0 }, false); // not measured
    expect(s.measured).toMatchObject({
      inputTokens: 94 + 5,
      inputTokensAsked: 10,
      inputTokensServed: 94,
      inputTokensServedRequests: 1,
      cachedTokens: 30,
      cachedTokensRequests: 1,
    });
  });

  it("records llama.cpp's timings into their own histograms and counts", () => {
    const s = new StageStats();
    s.onOutcome({ ...ok([10, 20], 30, 2), serverTimings: { ...timings, cacheN: 32 } }, true);
    s.onOutcome({ ...ok([10, 20], 30, 2), serverTimings: { ...timings, predictedPerTokenMs: 7 } }, true);
    s.onOutcome({ ...ok([10, 20], 30, 2), serverTimings: { ...timings, predictedN: 0 } }, true);
    s.onOutcome(ok([10, 20], 30, 2), true);
    expect(s.measured.serverTimings).toEqual({
      requests: 3,
      promptN: 192,
      predictedN: 16,
      cacheN: 32,
      cacheNRequests: 1,
    });
    const tpot = summarize(decodeHistogram(s.encodeHistograms().serverTpot!));
    expect([tpot.count, tpot.min]).toEqual([2, 5]);
    expect(tpot.max).toBeCloseTo(7, 1); // HDR bucket bound
    expect(summarize(decodeHistogram(s.encodeHistograms().serverPromptMs!)).count).toBe(3);
    expect(summarize(decodeHistogram(s.encodeHistograms().tpot)).count).toBe(4);
  });
});
