/**
 * What a workload kind plugs into the runner: the runner owns time (schedule, windows, stop,
 * timeouts, progress, result) and a driver owns what one operation is. The LLM kinds stream
 * completions (drivers/llm.ts); every other kind runs operations that end with one outcome
 * (`PendingOp`): an HTTP request, a SQL transaction, a vector query.
 */
import { performance } from 'node:perf_hooks';
import type { CommandRecord, LoadgenConfig, WorkloadResult } from '../core/loadgen-protocol';
import type { TraceEntry } from '../core/trace';
import { LatencyRecorder } from './histograms';
import type { RequestOutcome } from './stats';

/** One operation in flight, as the runner tracks it. */
export interface Operation {
  /** When it was due (performance.now() clock): the schedule's time (open loop), else the send. */
  readonly intendedMs: number;
  /** When it actually went out (the first send, if it was resent). */
  readonly firstSendMs: number;
  /** When it went out (the resend, if any): service times run from here. */
  readonly sendMs: number;
  /** When it times out: the runner's sweep aborts it then (no timer per operation). */
  readonly deadlineMs: number;
  /** Resolves once, with every ending (never rejects). */
  readonly done: Promise<RequestOutcome>;
  /** First error detail seen (for the log), '' when none. */
  readonly detail: string;
  /** Sent again on a fresh connection (LLM drivers; see ClientResult.measured.reconnects). */
  readonly reconnected: boolean;
  /** Why the first send was lost, when it was resent (for the log). */
  readonly firstError?: string;
  /** Sent as `x-request-id` where the protocol has one (per-request records only). */
  readonly requestId?: string;
  /** LLM kinds: the `max_tokens` asked for. */
  readonly maxTokens?: number;
  /** Ends it now as `kind` ('timeout', or 'aborted' when the runner stops). */
  abort(kind: string): void;
}

export interface DriverContext {
  config: LoadgenConfig;
  clientIndex: number;
  /** The job folder, where uploaded files (datasets, vectors) lie. */
  configDir: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Connections to keep open: the closed loop's concurrency, else the open loop's cap. */
  connections: number;
  /** The stage's trace (`dataset.trace`), read once by the runner, which replays its times. */
  trace?: readonly TraceEntry[];
}

/** What is known of the next operation before it is sent (for per-request records). */
export interface OperationPlan {
  /** Sent as `x-request-id` (HTTP kinds) when per-request records are kept. */
  requestId?: string;
  /**
   * Closed loop: which of the client's workers sends it (0 .. concurrency − 1); each waits for
   * its previous operation to end. Absent in an open loop.
   */
  lane?: number;
}

export interface WorkloadDriver {
  /**
   * Work before the stage clock starts and before the client says it is ready (insert a data
   * set, load a schema), reported as `WorkloadResult.phases`. Runs every stage: a driver that
   * prepares once checks `config.stageIndex` or the service's state itself.
   */
  prepare?(phases: PhaseRecorder): Promise<void>;
  /**
   * Closed loop: ms worker `lane` must wait before its next send (multi-turn think time); the
   * runner waits that long, then asks again. Absent or 0 = send now.
   */
  waitBeforeSend?(lane: number): number;
  /** Sends the next operation now, as due at `intendedMs`; prepares the one after off this path. */
  send(intendedMs: number, plan: OperationPlan): Operation;
  /**
   * Instead of `send` per operation: the driver runs the stage itself (a `command` client makes
   * its own requests) and reports each finished request through `hooks.record`.
   */
  drive?(hooks: DriveHooks): Promise<void>;
  /** Figures beyond per-class counts and counters, merged into the result's `workload`. */
  result?(): Pick<WorkloadResult, 'counters' | 'command'>;
  close(): Promise<void>;
}

/** What the runner gives a driver that runs the stage itself (times in epoch ms). */
export interface DriveHooks {
  startedAtMs: number;
  warmupEndMs: number;
  /** Infinity when the stage is bounded by requests only. */
  measureEndMs: number;
  cooldownMs: number;
  /** Aborted when the stage is stopped (stop-stage, SIGTERM). */
  signal: AbortSignal;
  /** One finished request; measured when its start is inside [warmupEndMs, measureEndMs). */
  record(r: CommandRecord): void;
}

/** What a non-streaming operation returns: ok with its class and counters, or a failure kind. */
export type OpResult =
  | { ok: true; class?: string; counters?: Record<string, number> }
  | { ok: false; error: string; detail?: string; class?: string };

/**
 * An operation that ends with one result: `run` gets a signal that aborts when the runner
 * times out or stops it. A throw is a failure of kind `other` (or the error's `kind`).
 */
export class PendingOp implements Operation {
  readonly firstSendMs: number;
  readonly sendMs: number;
  readonly deadlineMs: number;
  readonly done: Promise<RequestOutcome>;
  readonly reconnected = false;
  detail = '';
  private readonly controller = new AbortController();
  private resolve!: (o: RequestOutcome) => void;
  private settled = false;

  constructor(
    readonly intendedMs: number,
    timeoutMs: number,
    run: (signal: AbortSignal) => Promise<OpResult>,
    private readonly opClass?: string,
  ) {
    this.done = new Promise((r) => {
      this.resolve = r;
    });
    this.sendMs = performance.now();
    this.firstSendMs = this.sendMs;
    this.deadlineMs = this.sendMs + timeoutMs;
    let started: Promise<OpResult>;
    try {
      started = run(this.controller.signal);
    } catch (err) {
      started = Promise.reject(err);
    }
    started.then(
      (r) => this.finish(r),
      (err) => this.finish({ ok: false, error: errorKind(err), detail: errorDetail(err) }),
    );
  }

  abort(kind: string): void {
    this.finish({ ok: false, error: kind });
    this.controller.abort(new Error(`operation ${kind}`));
  }

  private finish(r: OpResult): void {
    if (this.settled) return;
    this.settled = true;
    const endMs = performance.now();
    const opClass = r.class ?? this.opClass;
    if (!r.ok) {
      if (r.detail) this.detail = r.detail;
      this.resolve({ ok: false, error: r.error, ...(opClass ? { class: opClass } : {}) });
      return;
    }
    this.resolve({
      ok: true,
      op: {
        intendedMs: this.intendedMs,
        sendMs: this.sendMs,
        endMs,
        ...(opClass ? { class: opClass } : {}),
        ...(r.counters ? { counters: r.counters } : {}),
      },
    });
  }
}

/** A thrown error's failure kind: its `kind` when it names one, else `other`. */
function errorKind(err: unknown): string {
  const kind = (err as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' && kind !== '' ? kind : 'other';
}

function errorDetail(err: unknown): string {
  return String((err as Error)?.message ?? err);
}

/** Records the preparation phases a driver runs (see WorkloadResult.phases). */
export class PhaseRecorder {
  private readonly phases = new Map<
    string,
    { items: number; failed: number; durationMs: number; latency: LatencyRecorder }
  >();

  /** Times `work` as phase `name`; `work` reports each item's outcome with `item`. */
  async run(
    name: string,
    work: (item: (ok: boolean, latencyMs: number, count?: number) => void) => Promise<void>,
  ): Promise<void> {
    const phase = this.phases.get(name) ?? {
      items: 0,
      failed: 0,
      durationMs: 0,
      latency: new LatencyRecorder(),
    };
    this.phases.set(name, phase);
    const start = performance.now();
    try {
      await work((ok, latencyMs, count = 1) => {
        if (ok) {
          phase.items += count;
          phase.latency.recordMs(latencyMs);
        } else phase.failed += count;
      });
    } finally {
      phase.durationMs += performance.now() - start;
    }
  }

  encode(): WorkloadResult['phases'] | undefined {
    if (this.phases.size === 0) return undefined;
    return Object.fromEntries(
      [...this.phases].map(([name, p]) => [
        name,
        {
          items: p.items,
          failed: p.failed,
          durationMs: Math.round(p.durationMs),
          ...(p.latency.histogram.totalCount > 0 ? { e2e: p.latency.encode() } : {}),
        },
      ]),
    );
  }
}
