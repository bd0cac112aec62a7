/**
 * What a client run reports besides its result: per-request records, the live quantiles and CPU
 * of progress snapshots, and the summary log line. Pure except for `CpuMeter`'s process reads.
 */

import { percentileMs } from '../core/histograms';
import type { ClientResult, HistogramName, RequestRecord } from '../core/loadgen-protocol';
import type { Operation } from './driver';
import type { RequestMetrics } from './metrics';
import type { RequestOutcome, StageStats } from './stats';

export const round3 = (x: number) => Math.round(x * 1000) / 1000;
export const pct = (x: number) => `${Math.round(x * 100)}%`;
const fmt = (ms: number | null) => (ms === null ? '-' : ms.toFixed(1));

/** One line of requests-<i>.jsonl; times relative to the client's start `t0`. */
export function requestRecord(
  stage: number,
  client: number,
  seq: number,
  t0: number,
  req: Pick<Operation, 'intendedMs' | 'sendMs' | 'firstSendMs' | 'reconnected' | 'requestId' | 'maxTokens'>,
  o: RequestOutcome,
  m: RequestMetrics | null,
  measured: boolean,
): RequestRecord {
  const r: RequestRecord = {
    stage,
    client,
    seq,
    id: req.requestId ?? '',
    intendedMs: round3(req.intendedMs - t0),
    sentMs: round3(req.sendMs - t0),
    measured,
    ok: o.ok,
    ...(req.maxTokens !== undefined ? { maxTokens: req.maxTokens } : {}),
  };
  if (req.reconnected) r.firstSentMs = round3(req.firstSendMs - t0);
  if (!o.ok) {
    r.error = o.error;
    if (o.class !== undefined) r.class = o.class;
  }
  if (o.ok && 'op' in o) {
    r.e2eMs = round3(o.op.endMs - o.op.intendedMs);
    if (o.op.class !== undefined) r.class = o.op.class;
  }
  if (o.ok && 'timeline' in o && m) {
    r.ttftMs = m.ttftMs === null ? null : round3(m.ttftMs);
    r.e2eMs = round3(m.e2eMs);
    r.tpotMs = m.tpotMs === null ? null : round3(m.tpotMs);
    r.outputTokens = m.outputTokens;
    r.inputTokens = o.promptTokens ?? o.inputWords;
    r.streamChunks = o.timeline.streamChunks;
    r.chunkMs = o.timeline.chunkTimesMs.map((t) => round3(t - req.sendMs));
    r.askedInputTokens = o.inputWords;
    if (o.cachedTokens !== null) r.cachedTokens = o.cachedTokens;
    if (o.serverTimings !== null) r.serverTimings = o.serverTimings;
  }
  return r;
}

/** The live quantiles a progress snapshot carries (core/loadgen-protocol.ts ProgressSnapshot). */
export function liveQuantiles(h: StageStats['h']) {
  const q = (name: HistogramName, p: number) => percentileMs(h[name].histogram, p);
  return {
    ttftP50Ms: q('ttft', 50),
    ttftP90Ms: q('ttft', 90),
    ttftP99Ms: q('ttft', 99),
    tpotP50Ms: q('tpot', 50),
    tpotP99Ms: q('tpot', 99),
    itlP50Ms: q('itl', 50),
    itlP99Ms: q('itl', 99),
    e2eP50Ms: q('e2e', 50),
    e2eP99Ms: q('e2e', 99),
    scheduleLagP50Ms: q('scheduleLag', 50),
    scheduleLagP99Ms: q('scheduleLag', 99),
  };
}

/** Cores this process used between calls (process.cpuUsage deltas). */
export class CpuMeter {
  private last = { at: performance.now(), usage: process.cpuUsage() };

  coresSinceLast(now: number): number {
    const usage = process.cpuUsage();
    const spentUs = usage.user + usage.system - this.last.usage.user - this.last.usage.system;
    const elapsedMs = now - this.last.at;
    this.last = { at: now, usage };
    return elapsedMs > 0 ? round3(spentUs / 1000 / elapsedMs) : 0;
  }
}

/** The `done` log line: the measured window's counts, rates and key quantiles. */
export function summaryLine(idx: number, r: ClientResult, h: StageStats['h']): string {
  const m = r.measured;
  const windowS = (r.windowEndMs - r.windowStartMs) / 1000;
  const rate = (n: number) => (windowS > 0 ? (n / windowS).toFixed(1) : '-');
  const errors = Object.entries(m.errors)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const clamped = r.loadgen.clamped > 0 ? ` clamped=${r.loadgen.clamped}` : '';
  const cpu = r.loadgen.wallMs > 0 ? r.loadgen.cpuMs / r.loadgen.wallMs : 0;
  return (
    `[loadgen ${idx}] done ${((r.endedAtMs - r.startedAtMs) / 1000).toFixed(1)}s ` +
    `window=${windowS.toFixed(1)}s measured sent=${m.sent} ok=${m.ok} failed=${m.failed}${errors ? ` (${errors})` : ''} ` +
    `req/s=${rate(m.ok)} send/s=${rate(m.sent)} tok/s=${rate(m.outputTokens)} ` +
    `ttft p50=${fmt(percentileMs(h.ttft.histogram, 50))}ms p99=${fmt(percentileMs(h.ttft.histogram, 99))}ms ` +
    `itl p50=${fmt(percentileMs(h.itl.histogram, 50))}ms ` +
    `lag p99=${fmt(percentileMs(h.scheduleLag.histogram, 99))}ms ` +
    `total sent=${r.total.sent} ok=${r.total.ok} failed=${r.total.failed} ` +
    `cpu=${pct(cpu)} busy=${pct(r.loadgen.eventLoopUtilization)}${clamped}`
  );
}
