/**
 * One relay loop per worker process serving every running benchmark (README "Scale").
 *
 * Each benchmark's relayTelemetry activity only registers here and waits for its cancel; the hub
 * copies job logs, reads client progress, queries the status and pushes metrics for all of them,
 * within budgets that do not grow with their number (telemetry/relay-budget.ts): a thousand
 * running benchmarks cost a few dozen PUTs and queries a second, not thousands. The activity
 * still carries what a retry needs: log offsets are the copies' sizes, the Loki cursor is a file,
 * and a dead worker's relays are retried on another worker after their heartbeat timeout.
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Context } from '@temporalio/activity';
import {
  type BenchInput,
  type BenchmarkStatus,
  clientsEndedSignal,
  type RelayProgress,
  statusQuery,
} from '../core/contract';
import { clientsJobOf, type JobRef, serviceJobOf } from '../core/jobs';
import type { ProgressSnapshot } from '../core/loadgen-protocol';
import { paths } from '../core/node/config';
import type { Executor } from '../executors/types';
import { Pushgateway } from '../telemetry/pushgateway';
import {
  DEFAULT_RELAY_BUDGET,
  type RelayBudget,
  relayIntervals,
  TokenBucket,
} from '../telemetry/relay-budget';
import { selfMetrics } from '../telemetry/self-metrics';
import { readGo, stageEnded } from './clients';
import type { ActivityContext } from './context';
import { syncLogsOnce } from './relay-logs';
import { RunTelemetry } from './run-telemetry';

/** How often the hub looks for benchmarks that are due. */
const TICK_MS = 200;
/** Benchmarks served at once: a slow SSH target must not hold the others. */
const CONCURRENT_PASSES = 16;
/**
 * Every relay beats at least this often whatever its pass interval. The worker passes one beat a
 * relay to the server every 30 s (workers/worker.ts; heartbeat timeout 60 s): more often is work
 * the SDK throws away.
 */
const BEAT_EVERY_MS = 15_000;
/** A status query that does not answer within this long is skipped until its next turn. */
const QUERY_TIMEOUT_MS = 3000;
/** How often a stage's early end is looked for (its files read), at the most. */
const END_CHECK_MS = 2000;
/** Closer than this to the planned end, the workflow's timer ends the stage anyway. */
const END_MARGIN_MS = 2000;
/**
 * While a stage runs to a known end nothing changes the status but a stop, a cancel or an early
 * end, and each of them ends the stage's clients, which the hub sees (signalEarlyEnd asks for the
 * status at once). So the status is asked again at the stage's end, or after this long at most.
 */
const IN_STAGE_STATUS_MS = 300_000;
/** A marker in the logs folder: flushLogs has taken over; no relay may copy any more. */
export const RETIRED_MARKER = '.relay-retired';

interface Entry {
  input: BenchInput;
  activity: Context;
  executor: Executor;
  telemetry: RunTelemetry;
  logsDir: string;
  logBytes: number;
  stage: { index: number; name: string; endsAtMs: number | null } | null;
  /** The last stage whose early end the hub signalled (each is signalled once). */
  endedStage: number | null;
  nextEndCheckMs: number;
  /** The status last pushed, as text: an unchanged status is not pushed again. */
  pushedStatus: string | null;
  /** The progress last written to the live file, as text: an unchanged one is not written again. */
  liveText: string | null;
  nextPassMs: number;
  nextPushMs: number;
  nextStatusMs: number;
  lastBeatMs: number;
  progress: RelayProgress;
  busy: Promise<void> | null;
  retired: boolean;
  /** Ends the relay activity (successfully) once flushLogs has taken over. */
  end: () => void;
}

/** The status of the benchmark as the push needs it; changes only when the workflow moves. */
function statusKey(s: BenchmarkStatus): string {
  return JSON.stringify([s.phase, s.phases.length, s.stageIndex, s.stageName, s.stageCount, s.stageEndsAtMs]);
}

/**
 * The live status of the benchmark `activity` belongs to, or null when it does not answer (within
 * `timeoutMs` when given). Asked of the activity's own workflow: a schedule-started run's
 * workflow id differs from its benchmark id.
 */
export async function workflowStatus(activity: Context, timeoutMs?: number): Promise<BenchmarkStatus | null> {
  const workflowId = activity.info.workflowExecution?.workflowId;
  if (!workflowId) return null;
  const ask = () => activity.client.workflow.getHandle(workflowId).query(statusQuery);
  const asked =
    timeoutMs === undefined ? ask() : activity.client.connection.withDeadline(Date.now() + timeoutMs, ask);
  return asked.catch(() => null);
}

export class RelayHub {
  private readonly entries = new Map<string, Entry>();
  private readonly budget: RelayBudget;
  private readonly pushBucket: TokenBucket;
  private readonly queryBucket: TokenBucket;
  private readonly pushgateway: Pick<Pushgateway, 'put'> | undefined;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  /** Pushgateway PUTs made, for the bench and the worker's /metrics. */
  pushes = 0;

  constructor(private readonly ctx: ActivityContext) {
    const t = ctx.config.telemetry;
    this.budget = {
      ...DEFAULT_RELAY_BUDGET,
      ...t?.relayBudget,
      pushIntervalMs: t?.pushIntervalMs ?? 2000,
    };
    this.pushBucket = new TokenBucket(this.budget.pushesPerS, this.budget.pushesPerS);
    this.queryBucket = new TokenBucket(this.budget.statusQueriesPerS, this.budget.statusQueriesPerS);
    if (t?.pushgatewayUrl) {
      const gateway = new Pushgateway(t.pushgatewayUrl);
      // Every PUT of every benchmark waits its turn in one bucket: the rate holds whatever N is.
      this.pushgateway = {
        put: async (key, text) => {
          const wait = this.pushBucket.take();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          this.pushes++;
          selfMetrics.relayPushes.inc();
          await gateway.put(key, text);
        },
      };
    }
  }

  get running(): number {
    return this.entries.size;
  }

  /**
   * Serves the benchmark until it is retired (returns) or `activity` is cancelled (rethrows the
   * cancellation). Never fails otherwise: telemetry must not fail a benchmark.
   */
  async relay(input: BenchInput, activity: Context): Promise<void> {
    const { benchmarkId, recipe } = input;
    const previous = this.entries.get(benchmarkId);
    if (previous) await this.drop(previous);
    const executor = this.ctx.executorFor(recipe);
    const now = Date.now();
    const details = activity.info.heartbeatDetails as Partial<RelayProgress> | undefined;
    const entry: Entry = {
      input,
      activity,
      executor,
      telemetry: new RunTelemetry(
        this.ctx.config,
        executor,
        benchmarkId,
        recipe,
        (m) => activity.log.warn(m),
        this.pushgateway,
      ),
      logsDir: paths.logs(this.ctx.config, benchmarkId),
      logBytes: details?.logBytes ?? 0,
      stage: null,
      endedStage: null,
      nextEndCheckMs: now,
      pushedStatus: null,
      liveText: null,
      nextPassMs: now,
      nextPushMs: now,
      nextStatusMs: now,
      lastBeatMs: 0,
      progress: { stageIndex: null, clients: [], logBytes: details?.logBytes ?? 0 },
      busy: null,
      retired: false,
      end: () => undefined,
    };
    // Retired, the relay completes at once: while its workflow still runs, not after it ended.
    const retired = new Promise<void>((resolve) => {
      entry.end = resolve;
    });
    this.entries.set(benchmarkId, entry);
    selfMetrics.relayBenchmarks.set(this.entries.size);
    this.start();
    try {
      await Promise.race([activity.cancelled, retired]);
    } finally {
      await this.drop(entry);
    }
  }

  /**
   * flushLogs calls this before its last copy: the relay of `benchmarkId` (on any worker sharing
   * this data folder) stops copying, so the two copies never append the same bytes twice.
   */
  async retire(benchmarkId: string): Promise<void> {
    const logsDir = paths.logs(this.ctx.config, benchmarkId);
    await mkdir(logsDir, { recursive: true });
    await writeFile(join(logsDir, RETIRED_MARKER), `${new Date().toISOString()}\n`);
    const entry = this.entries.get(benchmarkId);
    if (entry) {
      entry.retired = true;
      await entry.busy;
      entry.end();
    }
    await rm(paths.live(this.ctx.config, benchmarkId), { force: true });
  }

  private async drop(entry: Entry): Promise<void> {
    entry.retired = true;
    if (this.entries.get(entry.input.benchmarkId) === entry) {
      this.entries.delete(entry.input.benchmarkId);
      selfMetrics.relayLag.remove({ benchmark: entry.input.benchmarkId });
    }
    selfMetrics.relayBenchmarks.set(this.entries.size);
    await entry.busy;
    await entry.telemetry.closeEndpoint();
    if (this.entries.size === 0) this.stop();
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Starts the passes that are due, oldest first, at most CONCURRENT_PASSES at a time. */
  private tick(): void {
    const now = Date.now();
    const intervals = relayIntervals(this.entries.size, this.budget);
    selfMetrics.relayPushInterval.set(intervals.pushMs / 1000);
    const due = [...this.entries.values()]
      .filter((e) => !e.busy && !e.retired && e.nextPassMs <= now)
      .sort((a, b) => a.nextPassMs - b.nextPassMs);
    for (const entry of due) {
      if (this.inFlight >= CONCURRENT_PASSES) break;
      this.inFlight++;
      entry.nextPassMs = now + intervals.passMs;
      entry.busy = this.pass(entry, intervals).finally(() => {
        this.inFlight--;
        entry.busy = null;
      });
    }
    // Relays waiting for their turn still beat: their heartbeat timeout does not know the budget.
    for (const entry of this.entries.values()) {
      if (now - entry.lastBeatMs >= BEAT_EVERY_MS) this.beat(entry);
    }
  }

  private beat(entry: Entry): void {
    entry.lastBeatMs = Date.now();
    entry.activity.heartbeat(entry.progress);
  }

  /** One benchmark's turn: logs, progress, and when due its status and pushes. */
  private async pass(entry: Entry, intervals: ReturnType<typeof relayIntervals>): Promise<void> {
    const { benchmarkId } = entry.input;
    try {
      if (await this.retiredElsewhere(entry)) return;
      const jobs = await entry.executor.listJobs(benchmarkId);
      entry.logBytes += await syncLogsOnce(entry.executor, jobs, benchmarkId, entry.logsDir);
      const now = Date.now();
      // Over the query budget this turn goes without; the next pass asks again.
      if (now >= entry.nextStatusMs && this.queryBucket.tryTake()) {
        entry.nextStatusMs = now + intervals.statusMs;
        if (await this.refreshStatus(entry)) {
          const endsAt = entry.stage?.endsAtMs ?? null;
          if (endsAt !== null && endsAt > now)
            entry.nextStatusMs = Math.max(entry.nextStatusMs, Math.min(endsAt, now + IN_STAGE_STATUS_MS));
        }
      }
      const clientsJob = clientsJobOf(benchmarkId, jobs);
      let clients: ProgressSnapshot[];
      if (now >= entry.nextPushMs) {
        entry.nextPushMs = now + intervals.pushMs;
        clients = await entry.telemetry.pushClients(clientsJob, entry.stage);
        const service: JobRef | undefined = serviceJobOf(benchmarkId, jobs);
        await entry.telemetry.scrapeService(service);
        await entry.telemetry.pushSystem(service);
        await entry.telemetry.shipLogs(jobs);
      } else {
        clients = await entry.telemetry.readClients(clientsJob, entry.stage?.index ?? null);
      }
      if (clientsJob) await this.signalEarlyEnd(entry, clientsJob, intervals.passMs);
      entry.progress = { stageIndex: entry.stage?.index ?? null, clients, logBytes: entry.logBytes };
      this.beat(entry);
      await this.writeLive(entry);
    } catch (err) {
      entry.activity.log.warn('relay pass failed; retrying at its next turn', { error: String(err) });
    }
  }

  /**
   * A stage whose clients have all ended before its planned end (a crash, a request limit) is
   * over: the workflow hears it from here, at once, instead of polling (core/stage-checks.ts).
   */
  private async signalEarlyEnd(entry: Entry, job: JobRef, passMs: number): Promise<void> {
    const stage = entry.stage;
    const now = Date.now();
    if (!stage || entry.endedStage === stage.index || now < entry.nextEndCheckMs) return;
    // At its planned end the workflow's own timer ends it: nothing to say.
    if (stage.endsAtMs !== null && now >= stage.endsAtMs - END_MARGIN_MS) return;
    entry.nextEndCheckMs = now + Math.max(passMs, END_CHECK_MS);
    const go = await readGo(entry.executor, job, stage.index);
    if (!go) return; // not started yet
    if (!(await stageEnded(entry.executor, job, stage.index, go.clients)).ended) return;
    const workflowId = entry.activity.info.workflowExecution?.workflowId;
    if (!workflowId) return;
    entry.endedStage = stage.index;
    entry.nextStatusMs = 0; // the workflow moves on (or already has, stopped): ask at once
    await entry.activity.client.workflow.getHandle(workflowId).signal(clientsEndedSignal, stage.index);
  }

  private async retiredElsewhere(entry: Entry): Promise<boolean> {
    if (entry.retired) return true;
    const marked = await stat(join(entry.logsDir, RETIRED_MARKER)).then(
      () => true,
      () => false,
    );
    if (marked) {
      entry.retired = true;
      entry.end();
    }
    return marked;
  }

  /**
   * The workflow's status; pushed only when it changed. Says whether a stage runs to a known
   * end (its end in entry.stage), the one time the status stands still.
   */
  private async refreshStatus(entry: Entry): Promise<boolean> {
    const status = await workflowStatus(entry.activity, QUERY_TIMEOUT_MS);
    if (!status) return false;
    entry.stage =
      status.stageIndex === null
        ? null
        : {
            index: status.stageIndex,
            name: status.stageName ?? `stage-${status.stageIndex}`,
            endsAtMs: status.stageEndsAtMs,
          };
    const key = statusKey(status);
    if (key !== entry.pushedStatus) {
      entry.pushedStatus = key;
      await entry.telemetry.pushStatus(status);
    }
    return status.phase === 'loading' && !status.stopRequested;
  }

  /** The live view's copy (control/temporal-control.ts reads it before the heartbeat's). */
  private async writeLive(entry: Entry): Promise<void> {
    const text = JSON.stringify(entry.progress);
    if (text === entry.liveText) return;
    const file = paths.live(this.ctx.config, entry.input.benchmarkId);
    const temp = `${file}.${process.pid}.tmp`;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(temp, JSON.stringify({ ...entry.progress, atMs: Date.now() }));
    await rename(temp, file);
    entry.liveText = text;
  }
}
