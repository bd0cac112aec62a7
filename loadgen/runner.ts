/**
 * One client's run of one stage, in any load mode (see `StageLoad`).
 *
 * Timeline (monotonic ms from start): warmup [0, W) → measuring [W, W+D) → sending stops at W+D
 * (or when this client's request budget is spent) → in-flight requests get cooldownMs after W+D,
 * then are aborted. A request is "measured" when its INTENDED send time falls in [W, W+D); in a
 * closed loop the intended time is the actual send. Everything sent counts in `total`.
 *
 * Window bounds reported (wall clock): start = W; end = the moment sending stopped for good:
 * W+D normally, the SIGTERM time if stopped early, or — when the request budget ran out first —
 * the time the last request completed (closed loop: the client is idle after that) or the
 * intended time of the next, unsent request (open loop: the schedule's own end); when the
 * schedule itself ends (a trace, a ramp's span), its end (schedule.ts scheduleEndMs). If that
 * moment falls inside warmup, the window is empty (start = end).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentileMs } from '../core/histograms';
import { loadgenFiles } from '../core/jobs';
import {
  type ClientResult,
  isLlmWorkload,
  isOpenLoop,
  type LoadgenConfig,
  type OpenLoopLoad,
  type ProgressSnapshot,
} from '../core/loadgen-protocol';
import { type TraceEntry, traceTimes } from '../core/trace';
import { AllocMeter } from './alloc-meter';
import { type ClientShare, shareOf } from './config';
import { DirectPush } from './direct-push';
import type { Operation, OperationPlan, WorkloadDriver } from './driver';
import { PhaseRecorder } from './driver';
import { createDriver } from './drivers';
import { InflightSlots } from './inflight';
import { ProgressLog, writeJsonAtomic } from './output';
import { CpuMeter, liveQuantiles, pct, requestRecord, round3, summaryLine } from './report';
import { countInWindow, createSchedule, type ScheduleSpec, scheduleEndMs } from './schedule';
import { type RequestOutcome, StageStats } from './stats';
import { readTrace } from './trace-prompts';

export interface RunOptions {
  clientIndex: number;
  outDir: string;
  /** Folder of the config (where a file dataset lies); default outDir. */
  configDir?: string;
  /** Aborting it (the CLI does on SIGTERM) stops sending, aborts in-flight requests and ends the run normally. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Status line period on stdout (default 5000 ms). */
  logIntervalMs?: number;
  env?: NodeJS.ProcessEnv;
  /**
   * Wall clock (epoch ms) at which warm-up starts: every client of a stage gets the same one
   * (the start barrier, core/stage-start.ts). Everything is prepared before; absent = now.
   */
  startAtMs?: number;
}

export async function runLoadgen(config: LoadgenConfig, opts: RunOptions): Promise<ClientResult> {
  const run = await prepareLoadgen(config, opts);
  return run.run(opts.startAtMs);
}

/** A client ready to run its stage: its driver made and its preparation (if any) done. */
export interface PreparedRun {
  /**
   * Runs the stage, its warm-up starting at `startAtMs` (epoch ms; absent = now); `signal`
   * (default the options') stops it early.
   */
  run(startAtMs?: number, signal?: AbortSignal): Promise<ClientResult>;
  /** Gives the connections back without running (the stage was skipped). */
  discard(): Promise<void>;
}

/** Makes the stage's driver and runs its preparation phases (before the client says ready). */
export async function prepareLoadgen(config: LoadgenConfig, opts: RunOptions): Promise<PreparedRun> {
  const share = shareOf(config, opts.clientIndex);
  const log = opts.log ?? ((line: string) => console.log(line));
  const configDir = opts.configDir ?? opts.outDir;
  const trace = config.dataset.trace ? readTrace(join(configDir, config.dataset.trace.file)) : undefined;
  const driver = createDriver({
    config,
    ...(trace ? { trace } : {}),
    clientIndex: opts.clientIndex,
    configDir,
    env: opts.env ?? process.env,
    log,
    // Closed loop: one connection per concurrent request (fewer would queue inside the client).
    // Open loop: the cap, else OPEN_LOOP_CONNECTIONS.
    connections: share.concurrency ?? OPEN_LOOP_CONNECTIONS,
  });
  const phases = new PhaseRecorder();
  try {
    await driver.prepare?.(phases);
  } catch (err) {
    await driver.close();
    throw err;
  }
  return {
    run: (startAtMs, signal) =>
      new ClientRun(config, { ...opts, log, ...(signal ? { signal } : {}) }, driver, phases, trace).run(
        startAtMs,
      ),
    discard: () => driver.close(),
  };
}

/**
 * Open loop: a timer wakes the scheduler this long before a send is due, and the rest is waited
 * out with setImmediate turns (Node timers are millisecond-grained and fire up to ~1 ms late;
 * the turns keep serving I/O meanwhile).
 */
const SPIN_MS = 1.5;
/**
 * Connections of an uncapped open loop. undici's Pool scans its connections on every dispatch, and
 * an unbounded pool grows without end once a burst of late sends opens hundreds of them at once.
 */
const OPEN_LOOP_CONNECTIONS = 256;
/** Timeouts fire within a twentieth of the timeout late (60 s → 0.5 s, 200 ms → 10 ms). */
const sweepIntervalMs = (timeoutMs: number) => Math.min(500, Math.max(5, timeoutMs / 20));
/** Closed loop: backoff after a connection failure, so a dead server is not hammered. */
const BACKOFF_MIN_MS = 10;
const BACKOFF_MAX_MS = 1000;

class ClientRun {
  private readonly idx: number;
  private readonly share: ClientShare;
  private readonly stats: StageStats;
  private readonly inflight = new InflightSlots<Operation>();
  private readonly log: (line: string) => void;
  private readonly loggedKinds = new Set<string>();
  private readonly records: WriteStream | null;

  // Monotonic (performance.now()) times; the clock starts at the stage's start (startClock).
  private readonly wallAnchor = Date.now() - performance.now();
  private t0 = 0;
  private warmupEnd = 0;
  private measureEnd = 0;
  private stopAt: number | null = null;
  /** Aborted by a stop: ends a closed-loop worker's think time at once. */
  private readonly stopped = new AbortController();
  /**
   * When the request budget or the schedule ran out (see the window rules above), in ms from
   * the stage's start: windows are kept in the schedule's own terms, so an arrival due exactly
   * at the window's end is out of it both when sending and when counting (`scheduled`).
   */
  private budgetEndRel: number | null = null;
  /** Open loop: the stage's arrival process, this client's share (null in a closed loop). */
  private readonly schedule: ScheduleSpec | null;
  private wake: () => void = () => {};
  private readonly startCpu = process.cpuUsage();
  // Event-loop utilisation near 100% means loadgen itself is the bottleneck and latencies
  // include its own queueing: reported in the result and shown in the log.
  private readonly startElu = performance.eventLoopUtilization();
  private readonly cpu = new CpuMeter();
  /** V8 heap bytes allocated from the stage's start (made there; see alloc-meter.ts). */
  private alloc: AllocMeter | null = null;
  /** What it counted, read when the stage's operations are over (also when the run throws). */
  private allocatedBytes: number | null = null;
  private lastElu = this.startElu;

  constructor(
    private readonly config: LoadgenConfig,
    private readonly opts: RunOptions,
    private readonly driver: WorkloadDriver,
    private readonly phases: PhaseRecorder,
    trace?: readonly TraceEntry[],
  ) {
    this.idx = opts.clientIndex;
    this.share = shareOf(config, this.idx);
    this.schedule = isOpenLoop(config.load) ? scheduleSpec(config, config.load, this.idx, trace) : null;
    this.stats = new StageStats(config.slo);
    this.startClock();
    this.log = opts.log ?? ((line) => console.log(line));
    this.records = config.recordRequests
      ? createWriteStream(join(opts.outDir, loadgenFiles.requests(config.stageIndex, this.idx)))
      : null;
  }

  /** Warm-up starts now: the stage's timeline is measured from here. */
  private startClock(): void {
    this.t0 = performance.now();
    this.warmupEnd = this.t0 + this.config.timing.warmupMs;
    this.measureEnd = this.warmupEnd + (this.config.timing.durationMs ?? Number.POSITIVE_INFINITY);
  }

  async run(startAtMs?: number): Promise<ClientResult> {
    const { config, idx, share } = this;
    if (startAtMs !== undefined) {
      await sleep(Math.max(0, startAtMs - Date.now()));
      this.startClock();
    }
    const { timing } = config;
    const alloc = new AllocMeter();
    this.alloc = alloc;
    const startedAtMs = this.wall(this.t0);
    this.log(
      `[loadgen ${idx}] start stage=${config.stageName} mode=${config.load.mode} ${config.api} ${config.baseUrl} ` +
        `model=${config.model} concurrency=${share.concurrency ?? '-'} rate=${share.ratePerS ?? '-'}/s ` +
        `warmup=${timing.warmupMs}ms duration=${timing.durationMs ?? '-'}ms cooldown=${timing.cooldownMs}ms` +
        (share.maxRequests !== null ? ` maxRequests=${share.maxRequests}` : ''),
    );
    const push = config.directPush ? new DirectPush(config, idx) : null;
    const progress = new ProgressLog(
      join(this.opts.outDir, loadgenFiles.progress(config.stageIndex, idx)),
      (s) => push?.offer(s),
    );
    progress.append(this.snapshot());
    const timers = [
      setInterval(() => this.sweepTimeouts(), sweepIntervalMs(config.requestTimeoutMs)),
      setInterval(() => {
        progress.append(this.snapshot());
        this.alloc?.read(); // keeps the meter's record of collections short
      }, config.progressIntervalMs ?? 1000),
      setInterval(() => this.log(this.statusLine()), this.opts.logIntervalMs ?? 5000),
    ];
    const cooldownTimer = Number.isFinite(this.measureEnd)
      ? setTimeout(() => this.abortInflight(), this.measureEnd + timing.cooldownMs - performance.now())
      : undefined;
    const onStop = () => this.stop();
    this.opts.signal?.addEventListener('abort', onStop, { once: true });
    // Busy poll: an Immediate always pending makes every loop turn poll with a zero timeout, so
    // the process never sleeps in epoll and reads are stamped without a wake-up delay.
    let spinning = config.busyPoll === true;
    const spin = () => {
      if (spinning) setImmediate(spin);
    };
    spin();
    if (this.opts.signal?.aborted) this.stop();

    try {
      if (this.driver.drive) await this.driveStage(this.driver.drive.bind(this.driver));
      else if (this.schedule !== null && share.maxRequests !== 0) await this.openLoop(this.schedule);
      else if ((share.concurrency ?? 0) > 0 && share.maxRequests !== 0)
        await this.closedLoop(share.concurrency!);
      else await this.idle();
    } finally {
      spinning = false;
      this.allocatedBytes = alloc.stop();
      for (const t of timers) clearInterval(t);
      clearTimeout(cooldownTimer);
      this.opts.signal?.removeEventListener('abort', onStop);
      await this.driver.close();
      if (this.records) await new Promise((r) => this.records!.end(r));
    }

    const result = this.result(startedAtMs);
    writeJsonAtomic(join(this.opts.outDir, loadgenFiles.result(config.stageIndex, idx)), result);
    // 'done' only after the result file exists, so a reader seeing it can fetch the result.
    const done = this.snapshot('done');
    progress.append(done);
    progress.close();
    if (push) {
      await push.final(done);
      if (push.failures > 0)
        this.log(`[loadgen ${idx}] ${push.failures} direct push(es) failed: ${push.lastError}`);
    }
    this.log(summaryLine(this.idx, result, this.stats.h));
    return result;
  }

  /** Waits `ms` (at most), or until a stop. */
  private async pause(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped.signal.aborted) return;
    await sleep(ms, undefined, { signal: this.stopped.signal }).catch(() => {});
  }

  /**
   * Sends the driver's next operation now, as due at `intendedMs` (`lane`: the closed loop's
   * worker); returns its slot in `inflight`, which `settle` frees.
   */
  private send(intendedMs: number, lane?: number): number {
    const { config } = this;
    // Set field by field: object spreads here cost an allocation each, per request.
    const plan: OperationPlan = {};
    // Only with records: an id is of use only where it can be looked up again.
    if (this.records !== null)
      plan.requestId = `${config.benchmarkId}-s${config.stageIndex}-c${this.idx}-${this.stats.total.sent}`;
    if (lane !== undefined) plan.lane = lane;
    const req = this.driver.send(intendedMs, plan);
    this.stats.onSent(intendedMs >= this.warmupEnd && intendedMs < this.measureEnd);
    return this.inflight.add(req);
  }

  private settle(slot: number, req: Operation, o: RequestOutcome): void {
    this.inflight.delete(slot);
    const intended = req.intendedMs;
    const measured = intended >= this.warmupEnd && intended < this.measureEnd;
    const m = this.stats.onOutcome(o, measured, req.firstSendMs - intended);
    if (req.reconnected && !this.loggedKinds.has('reconnect')) {
      this.loggedKinds.add('reconnect');
      this.log(
        `[loadgen ${this.idx}] first reconnect: a reused connection closed before answering (${req.firstError ?? ''}); resent on a fresh one`,
      );
    }
    if (!o.ok && !this.loggedKinds.has(o.error)) {
      // First failure of each kind goes to the log with its detail; later ones are only counted.
      this.loggedKinds.add(o.error);
      this.log(`[loadgen ${this.idx}] first ${o.error} error: ${req.detail || '(no detail)'}`);
    }
    if (this.records) {
      const seq = this.stats.total.ok + this.stats.total.failed - 1;
      const r = requestRecord(this.config.stageIndex, this.idx, seq, this.t0, req, o, m, measured);
      this.records.write(`${JSON.stringify(r)}\n`);
    }
  }

  /** Closed loop: `workers` loops, each sending its next request when the previous one ended. */
  private async closedLoop(workers: number): Promise<void> {
    const loops: Promise<void>[] = [];
    for (let i = 0; i < workers; i++) loops.push(this.worker(i));
    await Promise.all(loops);
    if (this.budgetSpent()) this.budgetEndRel = performance.now() - this.t0;
  }

  private async worker(lane: number): Promise<void> {
    let backoff = 0;
    for (;;) {
      if (!this.maySend(performance.now())) return;
      // Multi-turn sessions: the worker is a user, who thinks before the next turn.
      const think = this.driver.waitBeforeSend?.(lane) ?? 0;
      if (think > 0) {
        await this.pause(Math.min(think, this.measureEnd - performance.now()));
        continue;
      }
      const now = performance.now();
      const slot = this.send(now, lane);
      const req = this.inflight.get(slot);
      const outcome = await req.done;
      this.settle(slot, req, outcome);
      if (!outcome.ok && outcome.error.startsWith('connection') && this.stopAt === null) {
        backoff = Math.min(BACKOFF_MAX_MS, backoff === 0 ? BACKOFF_MIN_MS : backoff * 2);
        await this.pause(Math.min(backoff, this.measureEnd - performance.now()));
      } else if (outcome.ok) {
        backoff = 0;
      }
    }
  }

  /** Open loop: sends at the schedule's times; with a cap, a send waits for a free slot. */
  private openLoop(spec: ScheduleSpec): Promise<void> {
    const next = createSchedule(spec);
    const windowEndRel = this.windowEndRel();
    const cap = this.share.concurrency;
    let dueRel = next();
    let due = this.t0 + dueRel;
    let timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
    let sending = true;
    return new Promise<void>((resolve) => {
      const finishWhenDrained = () => {
        if (!sending && this.inflight.size === 0) resolve();
      };
      const onDone = (slot: number, req: Operation, o: RequestOutcome) => {
        this.settle(slot, req, o);
        // A freed slot may unblock a capped schedule.
        if (sending && timer === null) tick();
        finishWhenDrained();
      };
      const tick = () => {
        timer = null;
        for (;;) {
          // Late sends stop at the stage's end too: what was not sent by then shows in the
          // achieved rate rather than stretching the stage.
          if (!this.maySend(due) || dueRel >= windowEndRel || performance.now() >= this.measureEnd) {
            sending = false;
            if (this.budgetSpent()) this.budgetEndRel = dueRel;
            else if (dueRel === Number.POSITIVE_INFINITY) this.budgetEndRel = scheduleEndMs(spec); // its own end
            finishWhenDrained();
            return;
          }
          if (due > performance.now()) break;
          if (cap !== null && this.inflight.size >= cap) return; // onDone resumes
          const slot = this.send(due);
          const req = this.inflight.get(slot);
          req.done.then((o) => onDone(slot, req, o));
          dueRel = next();
          due = this.t0 + dueRel;
        }
        const wait = due - performance.now();
        timer = wait > SPIN_MS ? setTimeout(tick, wait - SPIN_MS) : setImmediate(tick);
      };
      this.wake = () => {
        if (timer !== null) {
          clearTimeout(timer as NodeJS.Timeout);
          clearImmediate(timer as NodeJS.Immediate);
        }
        tick();
      };
      tick();
    });
  }

  /** The driver runs the stage itself (a `command` client) and reports what it did. */
  private async driveStage(drive: NonNullable<WorkloadDriver['drive']>): Promise<void> {
    const stopped = new AbortController();
    this.wake = () => stopped.abort();
    if (this.stopAt !== null) stopped.abort();
    await drive({
      startedAtMs: this.wall(this.t0),
      warmupEndMs: this.wall(this.warmupEnd),
      measureEndMs: Number.isFinite(this.measureEnd) ? this.wall(this.measureEnd) : Number.POSITIVE_INFINITY,
      cooldownMs: this.config.timing.cooldownMs,
      signal: stopped.signal,
      record: (r) => {
        const start = r.start - this.wallAnchor;
        const measured = start >= this.warmupEnd && start < this.measureEnd;
        this.stats.onSent(measured);
        this.stats.onOutcome(
          r.ok
            ? {
                ok: true,
                op: {
                  intendedMs: start,
                  sendMs: start,
                  endMs: r.end - this.wallAnchor,
                  ...(r.class !== undefined ? { class: r.class } : {}),
                  ...(r.counters !== undefined ? { counters: r.counters } : {}),
                },
              }
            : {
                ok: false,
                error: r.error ?? 'command_error',
                ...(r.class !== undefined ? { class: r.class } : {}),
              },
          measured,
        );
      },
    });
    // Ended before its window did: the window ends there (as a spent request budget's does).
    const now = performance.now();
    if (now < this.measureEnd && this.stopAt === null) this.budgetEndRel = now - this.t0;
  }

  /** No share of the load: stay for the stage (so the worker sees a normal client) and idle. */
  private idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const left = Number.isFinite(this.measureEnd) ? this.measureEnd - performance.now() : 0;
      const t = setTimeout(resolve, Math.max(0, left));
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private maySend(at: number): boolean {
    return this.stopAt === null && at < this.measureEnd && !this.budgetSpent();
  }

  private budgetSpent(): boolean {
    const max = this.share.maxRequests;
    return max !== null && this.stats.total.sent >= max;
  }

  /** SIGTERM: stop sending and end in-flight requests now; the run then finishes normally. */
  private stop(): void {
    if (this.stopAt !== null) return;
    this.stopAt = performance.now();
    this.stopped.abort();
    this.log(`[loadgen ${this.idx}] stop requested: aborting ${this.inflight.size} in-flight request(s)`);
    this.abortInflight();
    this.wake();
  }

  /** Ends requests past their deadline (one sweep instead of a timer per request). */
  private sweepTimeouts(): void {
    const now = performance.now();
    this.inflight.forEach((r) => {
      if (r.deadlineMs <= now) r.abort('timeout');
    });
  }

  private abortInflight(): void {
    this.inflight.forEach((r) => {
      r.abort('aborted');
    });
  }

  private wall(perfMs: number): number {
    return Math.round(this.wallAnchor + perfMs);
  }

  private phase(now: number): ProgressSnapshot['phase'] {
    if (this.stopAt !== null || this.budgetSpent() || now >= this.measureEnd) return 'cooldown';
    return now < this.warmupEnd ? 'warmup' : 'measuring';
  }

  private snapshot(phase?: ProgressSnapshot['phase']): ProgressSnapshot {
    const now = performance.now();
    const { total } = this.stats;
    return {
      version: 2,
      benchmarkId: this.config.benchmarkId,
      stageIndex: this.config.stageIndex,
      clientIndex: this.idx,
      timeMs: this.wall(now),
      elapsedMs: Math.round(now - this.t0),
      phase: phase ?? this.phase(now),
      sent: total.sent,
      ok: total.ok,
      failed: total.failed,
      inFlight: this.inflight.size,
      outputTokens: this.stats.totalOutputTokens,
      errors: { ...total.errors },
      ...liveQuantiles(this.stats.h),
      cpuCores: this.cpu.coresSinceLast(now),
      ttftCount: this.stats.totalTtft.count,
      ttftSumMs: Math.round(this.stats.totalTtft.sumMs * 1000) / 1000,
    };
  }

  /** The end of the measured window in ms from the stage's start (Infinity: no duration). */
  private windowEndRel(): number {
    const { timing } = this.config;
    return timing.warmupMs + (timing.durationMs ?? Number.POSITIVE_INFINITY);
  }

  private result(startedAtMs: number): ClientResult {
    const now = performance.now();
    // In ms from the stage's start, as the schedule counts.
    let endRel = this.windowEndRel();
    if (this.stopAt !== null) endRel = Math.min(endRel, this.stopAt - this.t0);
    if (this.budgetEndRel !== null) endRel = Math.min(endRel, this.budgetEndRel);
    if (!Number.isFinite(endRel)) endRel = now - this.t0; // budget-only stage that never spent it (cannot happen normally)
    const startRel = Math.min(this.config.timing.warmupMs, endRel);
    const start = this.t0 + startRel;
    const end = this.t0 + endRel;
    const cpu = process.cpuUsage(this.startCpu);
    // The schedule is deterministic: replaying it gives how many sends it asked for in the window.
    const scheduled =
      this.schedule === null || this.share.maxRequests === 0
        ? null
        : countInWindow(this.schedule, startRel, endRel);
    return {
      version: 2,
      benchmarkId: this.config.benchmarkId,
      stageIndex: this.config.stageIndex,
      clientIndex: this.idx,
      startedAtMs,
      endedAtMs: this.wall(now),
      windowStartMs: this.wall(start),
      windowEndMs: this.wall(end),
      share: this.share,
      scheduled,
      measured: this.stats.measured,
      total: this.stats.total,
      histograms: this.stats.encodeHistograms(),
      // The LLM kinds' results keep their shape; every other kind has a `workload` part.
      ...(isLlmWorkload(this.config.api)
        ? {}
        : {
            workload: this.stats.workloadResult({ ...this.driver.result?.(), phases: this.phases.encode() }),
          }),
      loadgen: {
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        wallMs: Math.round(now - this.t0),
        eventLoopUtilization: round3(performance.eventLoopUtilization(this.startElu).utilization),
        clamped: this.stats.clamped,
        ...(this.allocatedBytes !== null ? { heapAllocatedBytes: this.allocatedBytes } : {}),
      },
    };
  }

  private statusLine(): string {
    const now = performance.now();
    const t = this.stats.total;
    const elu = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(elu, this.lastElu).utilization;
    this.lastElu = elu;
    const lag = percentileMs(this.stats.h.scheduleLag.histogram, 99);
    return (
      `[loadgen ${this.idx}] ${this.phase(now)} ${((now - this.t0) / 1000).toFixed(1)}s ` +
      `sent=${t.sent} ok=${t.ok} failed=${t.failed} inflight=${this.inflight.size} ` +
      `lag p99=${lag === null ? '-' : lag.toFixed(2)}ms busy=${pct(busy)}`
    );
  }
}

/** The stage's arrival process as client `clientIndex` replays it (see schedule.ts). */
export function scheduleSpec(
  config: LoadgenConfig,
  load: OpenLoopLoad,
  clientIndex: number,
  trace?: readonly TraceEntry[],
): ScheduleSpec {
  const common = { seed: config.dataset.seed, clientIndex, clientCount: config.clientCount };
  switch (load.mode) {
    case 'constant':
    case 'poisson':
      return { ...common, mode: load.mode, ratePerS: load.rate };
    case 'gamma':
      return { ...common, mode: 'gamma', ratePerS: load.rate, burstiness: load.burstiness };
    case 'bursts':
      return { ...common, mode: 'bursts', burstSize: load.burstSize, periodMs: load.periodMs };
    case 'ramp':
      return {
        ...common,
        mode: 'ramp',
        fromPerS: load.fromRate,
        toPerS: load.toRate,
        spanMs: config.timing.warmupMs + (config.timing.durationMs ?? 0),
      };
    case 'trace':
      if (!trace) throw new Error('mode trace needs dataset.trace');
      return { ...common, mode: 'trace', timesMs: traceTimes(trace, load.speed) };
  }
}
