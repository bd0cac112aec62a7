/**
 * One client's run of one stage: closed-loop concurrency for a fixed time.
 *
 * Timeline (monotonic ms from start): warmup [0, W) → measuring [W, W+D) → sending stops at W+D
 * → in-flight requests get cooldownMs, then are aborted. A request is "measured" when its SEND
 * time falls in [W, W+D); everything sent counts in `total`.
 *
 * Window bounds reported (wall clock): start = W; end = the moment sending stopped for good:
 * W+D normally, the SIGTERM time if stopped early, or — when maxRequests ran out first — the time
 * the last request completed (the client is idle after that, so a later end would dilute
 * throughput). If that moment falls inside warmup, the window is empty (start = end).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { ClientResult, LoadgenConfig, ProgressSnapshot } from '../core/loadgen-protocol';
import { loadgenFiles } from '../core/loadgen-protocol';
import { clientShare } from './config';
import { createPromptSource, type PromptSample } from './dataset';
import { percentileMs } from './histograms';
import { ProgressLog, writeJsonAtomic } from './output';
import { compileRequestBody, endpointPath, type RequestTarget, StreamRequest } from './request';
import { StageStats } from './stats';

export interface RunOptions {
  clientIndex: number;
  outDir: string;
  /** Aborting it (the CLI does on SIGTERM) stops sending, aborts in-flight requests and ends the run normally. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Status line period on stdout (default 5000 ms). */
  logIntervalMs?: number;
}

export async function runLoadgen(config: LoadgenConfig, opts: RunOptions): Promise<ClientResult> {
  return new ClientRun(config, opts).run();
}

const fmt = (ms: number | null) => (ms === null ? '-' : ms.toFixed(1));
const pct = (x: number) => `${Math.round(x * 100)}%`;

class ClientRun {
  private readonly idx: number;
  private readonly share: number;
  private readonly stats: StageStats;
  private readonly nextPrompt: () => PromptSample;
  private readonly renderBody: (s: PromptSample) => string;
  private readonly pool: Pool;
  private readonly target: RequestTarget;
  private readonly inflight = new Set<StreamRequest>();
  private readonly log: (line: string) => void;
  private readonly loggedKinds = new Set<string>();

  // Monotonic (performance.now()) times.
  private readonly t0 = performance.now();
  private readonly wallAnchor = Date.now() - this.t0;
  private readonly warmupEnd: number;
  private readonly measureEnd: number;
  private stopAt: number | null = null;
  private maxReachedAt: number | null = null;
  private wakeIdle: () => void = () => {};
  // Event-loop utilisation near 100% means loadgen itself is the bottleneck and latencies
  // include its own queueing: shown in the log so such runs are recognisable.
  private readonly startElu = performance.eventLoopUtilization();
  private lastElu = this.startElu;

  constructor(
    private readonly config: LoadgenConfig,
    private readonly opts: RunOptions,
  ) {
    this.idx = opts.clientIndex;
    this.share = clientShare(config.load.concurrency, config.clientCount, this.idx);
    this.stats = new StageStats(config.slo);
    this.nextPrompt = createPromptSource(config.dataset.synthetic, config.dataset.seed, this.idx);
    this.renderBody = compileRequestBody(config);
    this.warmupEnd = this.t0 + config.timing.warmupMs;
    this.measureEnd = this.warmupEnd + config.timing.durationMs;
    this.log = opts.log ?? ((line) => console.log(line));
    const origin = new URL(config.baseUrl).origin;
    this.pool = new Pool(origin, {
      // One connection per concurrent request: a closed loop never needs more, and fewer would queue.
      connections: Math.max(1, this.share),
      headersTimeout: config.requestTimeoutMs,
      bodyTimeout: config.requestTimeoutMs,
      connect: { timeout: Math.min(10_000, config.requestTimeoutMs) },
    });
    this.target = {
      dispatcher: this.pool,
      path: endpointPath(config.baseUrl, config.api),
      timeoutMs: config.requestTimeoutMs,
    };
  }

  async run(): Promise<ClientResult> {
    const { config, idx } = this;
    const { timing } = config;
    const startedAtMs = this.wall(this.t0);
    this.log(
      `[loadgen ${idx}] start stage=${config.stageName} ${config.api} ${config.baseUrl} model=${config.model} ` +
        `concurrency=${this.share}/${config.load.concurrency} warmup=${timing.warmupMs}ms ` +
        `duration=${timing.durationMs}ms cooldown=${timing.cooldownMs}ms` +
        (timing.maxRequests !== undefined ? ` maxRequests=${timing.maxRequests}` : ''),
    );
    const progress = new ProgressLog(join(this.opts.outDir, loadgenFiles.progress(idx)));
    progress.append(this.snapshot());
    const timers = [
      setInterval(() => progress.append(this.snapshot()), config.progressIntervalMs ?? 1000),
      setInterval(() => this.log(this.statusLine()), this.opts.logIntervalMs ?? 5000),
    ];
    const cooldownTimer = setTimeout(
      () => this.abortInflight(),
      this.measureEnd + timing.cooldownMs - performance.now(),
    );
    const onStop = () => this.stop();
    this.opts.signal?.addEventListener('abort', onStop, { once: true });
    if (this.opts.signal?.aborted) this.stop();

    try {
      if (this.share > 0) {
        const workers: Promise<void>[] = [];
        for (let i = 0; i < this.share; i++) workers.push(this.worker());
        await Promise.all(workers);
        if (this.maxReached()) this.maxReachedAt = performance.now();
      } else {
        // No share of the load: stay for the stage (so the worker sees a normal client) and idle.
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(0, this.measureEnd - performance.now()));
          this.wakeIdle = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    } finally {
      for (const t of timers) clearInterval(t);
      clearTimeout(cooldownTimer);
      this.opts.signal?.removeEventListener('abort', onStop);
      await this.pool.destroy();
    }

    const result = this.result(startedAtMs);
    writeJsonAtomic(join(this.opts.outDir, loadgenFiles.result(idx)), result);
    // 'done' only after the result file exists, so a reader seeing it can fetch the result.
    progress.append(this.snapshot('done'));
    progress.close();
    this.log(this.summaryLine(result));
    return result;
  }

  private async worker(): Promise<void> {
    for (;;) {
      const sample = this.nextPrompt();
      const body = this.renderBody(sample);
      const now = performance.now();
      if (!this.maySend(now)) return;
      const req = new StreamRequest(this.target, body, sample.inputWords, now);
      this.stats.onSent();
      this.inflight.add(req);
      const outcome = await req.done;
      this.inflight.delete(req);
      const measured = req.sendMs >= this.warmupEnd && req.sendMs < this.measureEnd;
      this.stats.onOutcome(outcome, measured);
      if (!outcome.ok && !this.loggedKinds.has(outcome.error)) {
        // First failure of each kind goes to the log with its detail; later ones are only counted.
        this.loggedKinds.add(outcome.error);
        this.log(`[loadgen ${this.idx}] first ${outcome.error} error: ${req.detail || '(no detail)'}`);
      }
    }
  }

  private maySend(now: number): boolean {
    return this.stopAt === null && now < this.measureEnd && !this.maxReached();
  }

  private maxReached(): boolean {
    const max = this.config.timing.maxRequests;
    return max !== undefined && this.stats.total.sent >= max;
  }

  /** SIGTERM: stop sending and end in-flight requests now; the run then finishes normally. */
  private stop(): void {
    if (this.stopAt !== null) return;
    this.stopAt = performance.now();
    this.log(`[loadgen ${this.idx}] stop requested: aborting ${this.inflight.size} in-flight request(s)`);
    this.abortInflight();
    this.wakeIdle();
  }

  private abortInflight(): void {
    for (const r of this.inflight) r.abort('aborted');
  }

  private wall(perfMs: number): number {
    return Math.round(this.wallAnchor + perfMs);
  }

  private phase(now: number): ProgressSnapshot['phase'] {
    if (this.stopAt !== null || this.maxReached() || now >= this.measureEnd) return 'cooldown';
    return now < this.warmupEnd ? 'warmup' : 'measuring';
  }

  private snapshot(phase?: ProgressSnapshot['phase']): ProgressSnapshot {
    const now = performance.now();
    const { total } = this.stats;
    return {
      version: 1,
      clientIndex: this.idx,
      timeMs: this.wall(now),
      elapsedMs: Math.round(now - this.t0),
      phase: phase ?? this.phase(now),
      sent: total.sent,
      ok: total.ok,
      failed: total.failed,
      inFlight: this.inflight.size,
      outputTokens: this.stats.totalOutputTokens,
      ttftP50Ms: percentileMs(this.stats.ttft.histogram, 50),
      ttftP99Ms: percentileMs(this.stats.ttft.histogram, 99),
      e2eP50Ms: percentileMs(this.stats.e2e.histogram, 50),
    };
  }

  private result(startedAtMs: number): ClientResult {
    let end = this.measureEnd;
    if (this.stopAt !== null) end = Math.min(end, this.stopAt);
    if (this.maxReachedAt !== null) end = Math.min(end, this.maxReachedAt);
    const start = Math.min(this.warmupEnd, end);
    return {
      version: 1,
      clientIndex: this.idx,
      startedAtMs,
      endedAtMs: this.wall(performance.now()),
      windowStartMs: this.wall(start),
      windowEndMs: this.wall(end),
      measured: this.stats.measured,
      total: this.stats.total,
      histograms: this.stats.encodeHistograms(),
    };
  }

  private statusLine(): string {
    const now = performance.now();
    const t = this.stats.total;
    const elu = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(elu, this.lastElu).utilization;
    this.lastElu = elu;
    return (
      `[loadgen ${this.idx}] ${this.phase(now)} ${((now - this.t0) / 1000).toFixed(1)}s ` +
      `sent=${t.sent} ok=${t.ok} failed=${t.failed} inflight=${this.inflight.size} busy=${pct(busy)}`
    );
  }

  private summaryLine(r: ClientResult): string {
    const m = r.measured;
    const windowS = (r.windowEndMs - r.windowStartMs) / 1000;
    const rate = (n: number) => (windowS > 0 ? (n / windowS).toFixed(1) : '-');
    const errors = Object.entries(m.errors)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const clamped = this.stats.clamped > 0 ? ` clamped=${this.stats.clamped}` : '';
    return (
      `[loadgen ${this.idx}] done ${((r.endedAtMs - r.startedAtMs) / 1000).toFixed(1)}s ` +
      `window=${windowS.toFixed(1)}s measured ok=${m.ok} failed=${m.failed}${errors ? ` (${errors})` : ''} ` +
      `req/s=${rate(m.ok)} tok/s=${rate(m.outputTokens)} ` +
      `ttft p50=${fmt(percentileMs(this.stats.ttft.histogram, 50))}ms ` +
      `p99=${fmt(percentileMs(this.stats.ttft.histogram, 99))}ms ` +
      `itl p50=${fmt(percentileMs(this.stats.itl.histogram, 50))}ms ` +
      `total sent=${r.total.sent} ok=${r.total.ok} failed=${r.total.failed} ` +
      `busy=${pct(performance.eventLoopUtilization(this.startElu).utilization)}${clamped}`
    );
  }
}
