/**
 * Accounting of request outcomes into the counters and histograms of a `ClientResult`.
 * Pure (no I/O, no clock) so every rule here is unit-tested.
 */
import type {
  ClientResult,
  EncodedHistograms,
  HistogramName,
  ServerTimings,
  Slo,
  WorkloadResult,
} from '../core/loadgen-protocol';
import { LatencyRecorder } from './histograms';
import { computeMetrics, forEachItlPerToken, meetsSlo, type RequestMetrics, type Timeline } from './metrics';

/** An operation meets the SLO when its E2E does (the only latency a non-streaming one has). */
const meetsOpSlo = (op: OpTimeline, slo?: Slo) =>
  slo?.e2eMs === undefined || op.endMs - op.intendedMs <= slo.e2eMs;

export type RequestOutcome =
  | {
      ok: true;
      timeline: Timeline;
      /** `usage.prompt_tokens`, null when the server sent no usage. */
      promptTokens: number | null;
      /** Fallback input-token count: words in the prompt (the length the dataset asked for). */
      inputWords: number;
      /** The `max_tokens` asked for. */
      maxTokens: number;
      /** `usage.prompt_tokens_details.cached_tokens`, null when the server did not say. */
      cachedTokens: number | null;
      /** llama.cpp's `timings`, null when the server sent none. */
      serverTimings: ServerTimings | null;
      /** Sent again on a fresh connection (see ClientResult.measured.reconnects). */
      reconnected?: boolean;
    }
  | {
      /** A non-streaming operation (every non-LLM workload): one latency, a class, counters. */
      ok: true;
      op: OpTimeline;
      reconnected?: undefined;
    }
  | {
      ok: false;
      /** See `ClientResult.measured.errors`. */
      error: string;
      reconnected?: boolean;
      /** The operation's class (WorkloadResult.classes), when its workload has classes. */
      class?: string;
    };

/** A non-streaming operation's times (performance.now() ms), class and counters. */
export interface OpTimeline {
  intendedMs: number;
  sendMs: number;
  endMs: number;
  class?: string;
  /** Added to WorkloadResult.counters when the operation is measured. */
  counters?: Record<string, number>;
}

const HISTOGRAMS: readonly HistogramName[] = [
  'ttft',
  'e2e',
  'itl',
  'itlPerToken',
  'tpot',
  'ttftService',
  'e2eService',
  'scheduleLag',
  'serverTpot',
  'serverPromptMs',
];

const bump = (errors: Record<string, number>, kind: string) => {
  errors[kind] = (errors[kind] ?? 0) + 1;
};

export class StageStats {
  readonly measured: Required<ClientResult['measured']> = {
    sent: 0,
    ok: 0,
    failed: 0,
    errors: {},
    inputTokens: 0,
    outputTokens: 0,
    streamChunks: 0,
    usageMissing: 0,
    streamMismatch: 0,
    lengthShort: 0,
    goodOk: 0,
    reconnects: 0,
    inputTokensAsked: 0,
    inputTokensServed: 0,
    inputTokensServedRequests: 0,
    cachedTokens: 0,
    cachedTokensRequests: 0,
    serverTimings: { requests: 0, promptN: 0, predictedN: 0, cacheN: 0, cacheNRequests: 0 },
  };
  readonly total: Required<ClientResult['total']> = { sent: 0, ok: 0, failed: 0, errors: {}, reconnects: 0 };
  /** Output tokens of every ok request, warmup and cooldown included (progress snapshots). */
  totalOutputTokens = 0;
  /** TTFTs of every ok request, warm-up and cool-down included: count and sum (progress snapshots). */
  readonly totalTtft = { count: 0, sumMs: 0 };
  readonly h = Object.fromEntries(HISTOGRAMS.map((k) => [k, new LatencyRecorder()])) as Record<
    HistogramName,
    LatencyRecorder
  >;

  /** Non-LLM workloads: per-class counts and latencies, and summed counters (measured window). */
  private readonly classes = new Map<string, { ok: number; failed: number; e2e: LatencyRecorder }>();
  private readonly counters: Record<string, number> = {};

  private readonly addPerToken = (ms: number, count: number) => this.h.itlPerToken.addToRunMs(ms, count);

  constructor(private readonly slo?: Slo) {}

  /** A request was sent; `measured`: its intended time is inside the window. */
  onSent(measured: boolean): void {
    this.total.sent++;
    if (measured) this.measured.sent++;
  }

  /**
   * A request ended. `measured`: its intended send fell inside the measured window; `lagMs`: it
   * went out that long after its intended time (recorded for failures too). Failures never reach
   * the latency histograms. Returns the metrics of an ok request (for per-request records).
   */
  onOutcome(o: RequestOutcome, measured: boolean, lagMs = 0): RequestMetrics | null {
    if (measured) this.h.scheduleLag.recordMs(lagMs);
    if (o.reconnected) {
      this.total.reconnects++;
      if (measured) this.measured.reconnects++;
    }
    if (!o.ok) {
      this.total.failed++;
      bump(this.total.errors, o.error);
      if (measured) {
        this.measured.failed++;
        bump(this.measured.errors, o.error);
        if (o.class !== undefined) this.classOf(o.class).failed++;
      }
      return null;
    }
    if ('op' in o) {
      this.onOp(o.op, measured);
      return null;
    }
    const m = computeMetrics(o.timeline);
    this.total.ok++;
    this.totalOutputTokens += m.outputTokens;
    if (m.ttftMs !== null) {
      this.totalTtft.count++;
      this.totalTtft.sumMs += m.ttftMs;
    }
    if (!measured) return m;
    const s = this.measured;
    s.ok++;
    s.outputTokens += m.outputTokens;
    s.inputTokens += o.promptTokens ?? o.inputWords;
    s.inputTokensAsked += o.inputWords;
    if (o.promptTokens !== null) {
      s.inputTokensServed += o.promptTokens;
      s.inputTokensServedRequests++;
    }
    if (o.cachedTokens !== null) {
      s.cachedTokens += o.cachedTokens;
      s.cachedTokensRequests++;
    }
    if (o.serverTimings !== null) this.onServerTimings(o.serverTimings);
    s.streamChunks += o.timeline.streamChunks;
    if (o.timeline.outputTokens === null) s.usageMissing++;
    else if (m.streamTokens !== o.timeline.outputTokens) s.streamMismatch++;
    if (m.outputTokens < o.maxTokens) s.lengthShort++;
    if (meetsSlo(m, this.slo)) s.goodOk++;
    const h = this.h;
    if (m.ttftMs !== null) h.ttft.recordMs(m.ttftMs);
    if (m.ttftServiceMs !== null) h.ttftService.recordMs(m.ttftServiceMs);
    h.e2e.recordMs(m.e2eMs);
    h.e2eService.recordMs(m.e2eServiceMs);
    h.itl.recordAllMs(m.itlMs);
    forEachItlPerToken(o.timeline, m.outputTokens, this.addPerToken);
    h.itlPerToken.endRun();
    if (m.tpotMs !== null) h.tpot.recordMs(m.tpotMs);
    return m;
  }

  /** A non-streaming operation ended ok: its latency is the E2E (and the service E2E). */
  private onOp(op: OpTimeline, measured: boolean): void {
    this.total.ok++;
    if (!measured) return;
    this.measured.ok++;
    this.measured.goodOk += meetsOpSlo(op, this.slo) ? 1 : 0;
    const e2e = op.endMs - op.intendedMs;
    this.h.e2e.recordMs(e2e);
    this.h.e2eService.recordMs(op.endMs - op.sendMs);
    if (op.class !== undefined) {
      const c = this.classOf(op.class);
      c.ok++;
      c.e2e.recordMs(e2e);
    }
    for (const [name, value] of Object.entries(op.counters ?? {}))
      this.counters[name] = (this.counters[name] ?? 0) + value;
  }

  private classOf(name: string): { ok: number; failed: number; e2e: LatencyRecorder } {
    let c = this.classes.get(name);
    if (!c) {
      c = { ok: 0, failed: 0, e2e: new LatencyRecorder() };
      this.classes.set(name, c);
    }
    return c;
  }

  /** The `workload` part of a non-LLM result. */
  workloadResult(extra?: Pick<WorkloadResult, 'counters' | 'phases' | 'command'>): WorkloadResult {
    const counters = { ...this.counters };
    for (const [name, value] of Object.entries(extra?.counters ?? {}))
      counters[name] = (counters[name] ?? 0) + value;
    const out: WorkloadResult = {};
    if (this.classes.size > 0)
      out.classes = Object.fromEntries(
        [...this.classes].map(([name, c]) => [name, { ok: c.ok, failed: c.failed, e2e: c.e2e.encode() }]),
      );
    if (Object.keys(counters).length > 0) out.counters = counters;
    if (extra?.phases) out.phases = extra.phases;
    if (extra?.command) out.command = extra.command;
    return out;
  }

  private onServerTimings(t: ServerTimings): void {
    const c = this.measured.serverTimings;
    c.requests++;
    c.promptN += t.promptN;
    c.predictedN += t.predictedN;
    if (t.cacheN !== undefined) {
      c.cacheN += t.cacheN;
      c.cacheNRequests++;
    }
    // llama.cpp's TPOT is predicted_ms / predicted_n: defined from one token on.
    if (t.predictedN > 0) this.h.serverTpot.recordMs(t.predictedPerTokenMs);
    this.h.serverPromptMs.recordMs(t.promptMs);
  }

  /** Values clamped into the histograms' range (should stay 0; reported in the result). */
  get clamped(): number {
    let n = 0;
    for (const k of HISTOGRAMS) n += this.h[k].clamped;
    return n;
  }

  encodeHistograms(): EncodedHistograms {
    return Object.fromEntries(HISTOGRAMS.map((k) => [k, this.h[k].encode()])) as unknown as EncodedHistograms;
  }
}
