/**
 * Accounting of request outcomes into the counters and histograms of a `ClientResult`.
 * Pure (no I/O, no clock) so every rule here is unit-tested.
 */
import type { ClientResult, EncodedHistograms, Slo } from '../core/loadgen-protocol';
import { LatencyRecorder } from './histograms';
import { computeMetrics, meetsSlo, type Timeline } from './metrics';

export type RequestOutcome =
  | {
      ok: true;
      timeline: Timeline;
      /** `usage.prompt_tokens`, null when the server sent no usage. */
      promptTokens: number | null;
      /** Fallback input-token count: words in the prompt. */
      inputWords: number;
    }
  | {
      ok: false;
      /** `http_<status>`, `timeout`, `connection`, `malformed_stream`, `stream_error`, `aborted`, `other`. */
      error: string;
    };

export class StageStats {
  readonly measured: ClientResult['measured'] = {
    ok: 0,
    failed: 0,
    errors: {},
    inputTokens: 0,
    outputTokens: 0,
    streamChunks: 0,
    usageMissing: 0,
    goodOk: 0,
  };
  readonly total: ClientResult['total'] = { sent: 0, ok: 0, failed: 0 };
  /** Output tokens of every ok request, warmup and cooldown included (progress snapshots). */
  totalOutputTokens = 0;
  readonly ttft = new LatencyRecorder();
  readonly e2e = new LatencyRecorder();
  readonly itl = new LatencyRecorder();
  readonly tpot = new LatencyRecorder();

  constructor(private readonly slo?: Slo) {}

  onSent(): void {
    this.total.sent++;
  }

  /** `measured`: the request was sent inside the measured window. Failures never reach the histograms. */
  onOutcome(o: RequestOutcome, measured: boolean): void {
    if (!o.ok) {
      this.total.failed++;
      if (measured) {
        this.measured.failed++;
        this.measured.errors[o.error] = (this.measured.errors[o.error] ?? 0) + 1;
      }
      return;
    }
    const m = computeMetrics(o.timeline);
    this.total.ok++;
    this.totalOutputTokens += m.outputTokens;
    if (!measured) return;
    const s = this.measured;
    s.ok++;
    s.outputTokens += m.outputTokens;
    s.inputTokens += o.promptTokens ?? o.inputWords;
    s.streamChunks += o.timeline.streamChunks;
    if (o.timeline.outputTokens === null) s.usageMissing++;
    if (meetsSlo(m, this.slo)) s.goodOk++;
    if (m.ttftMs !== null) this.ttft.recordMs(m.ttftMs);
    this.e2e.recordMs(m.e2eMs);
    for (const gap of m.itlMs) this.itl.recordMs(gap);
    if (m.tpotMs !== null) this.tpot.recordMs(m.tpotMs);
  }

  /** Values clamped into the histograms' range (should stay 0; reported in the log). */
  get clamped(): number {
    return this.ttft.clamped + this.e2e.clamped + this.itl.clamped + this.tpot.clamped;
  }

  encodeHistograms(): EncodedHistograms {
    return {
      ttft: this.ttft.encode(),
      e2e: this.e2e.encode(),
      itl: this.itl.encode(),
      tpot: this.tpot.encode(),
    };
  }
}
