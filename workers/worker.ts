/**
 * Builds the aifb worker: the benchmark workflow and its activities on the benchmark task queue,
 * and beside it the relays on their own queue (core/contract.ts relayTaskQueue), each with its
 * own slot budget, so relays that live as long as their benchmarks never starve the rest.
 */
import { fileURLToPath } from 'node:url';
import { type NativeConnection, type State, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, createActivityContext } from '../activities';
import { admissionActivities } from '../activities/admission';
import type { ActivityContext } from '../activities/context';
import { keepAliveInterceptor } from '../activities/heartbeat';
import { recipeCheckActivities } from '../activities/recipe-check';
import { ACTIVITY, relayTaskQueue } from '../core/contract';
import { type AifbConfig, workerSlotsFrom } from '../core/node/config';
import { activityMetricsInterceptor } from '../telemetry/self-metrics';
import { faultDelayInterceptor } from './fault-injection';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface BenchmarkWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  config: AifbConfig;
  /** A prebuilt bundle (bundleWorkflowCode) saves the few seconds of bundling per worker. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Tests swap activities for fakes; production never passes this. */
  activities?: object;
  /**
   * The activities' context, when the caller closes it after the worker stops (its SSH
   * connections would otherwise keep the process alive); else one is made here.
   */
  context?: ActivityContext;
}

/** The two Temporal workers of one aifb worker, run and stopped together. */
export class BenchmarkWorker {
  constructor(
    /** Workflows and every activity but the relay. */
    readonly main: Worker,
    /** The relays only. */
    readonly relay: Worker,
  ) {}

  getState(): State {
    return this.main.getState();
  }

  /** Runs both until both have stopped; either one failing stops the other. */
  async run(): Promise<void> {
    const runs = [this.main.run(), this.relay.run()];
    try {
      await Promise.all(runs);
    } catch (err) {
      this.shutdown();
      await Promise.allSettled(runs);
      throw err;
    }
  }

  shutdown(): void {
    for (const w of [this.main, this.relay]) if (w.getState() === 'RUNNING') w.shutdown();
  }

  /** Like Worker.runUntil: runs both while `until` runs, then stops them. */
  async runUntil<R>(until: Promise<R> | (() => Promise<R>)): Promise<R> {
    const running = this.run();
    try {
      return await (typeof until === 'function' ? until() : until);
    } finally {
      this.shutdown();
      await running;
    }
  }
}

export async function createBenchmarkWorker(options: BenchmarkWorkerOptions): Promise<BenchmarkWorker> {
  const slots = options.config.workerSlots ?? workerSlotsFrom({});
  const activities = (options.activities ??
    createActivities(options.context ?? createActivityContext(options.config))) as Record<string, unknown>;
  const { [ACTIVITY.relayTelemetry]: relayTelemetry, ...benchmarkActivities } = activities;
  // Admission control's (activities/admission.ts) and the recipe checks: real ones under fakes
  // too, tests may replace them.
  const rest = { ...admissionActivities(options.config), ...recipeCheckActivities(), ...benchmarkActivities };
  const main = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.config.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: rest,
    // Benchmarks mostly wait: many can share one worker without starving each other.
    maxConcurrentActivityTaskExecutions: slots.activities,
    maxConcurrentWorkflowTaskExecutions: slots.workflows,
    // More polls than the SDK's 10: with hundreds of benchmarks the workflow tasks waited on the
    // server while the worker idled (bench:orchestration).
    maxConcurrentWorkflowTaskPolls: Math.min(slots.workflows, 40),
    maxConcurrentActivityTaskPolls: Math.min(slots.activities, 20),
    // Heartbeats reach the server this often at most: a cancel is seen within it.
    maxHeartbeatThrottleInterval: '2s',
    // aifb_activity_duration_seconds / aifb_activity_failures_total (telemetry/self-metrics.ts).
    // AIFB_FAULT_DELAYS (chaos tests only) holds chosen activities still at chosen points.
    interceptors: {
      activity: [
        activityMetricsInterceptor,
        // Every activity heartbeats while it runs: a dead worker is noticed within 10 s.
        keepAliveInterceptor,
        ...(options.config.faultDelays?.length ? [faultDelayInterceptor(options.config.faultDelays)] : []),
      ],
    },
  });
  const relay = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: relayTaskQueue(options.config.taskQueue),
    activities: { [ACTIVITY.relayTelemetry]: relayTelemetry },
    maxConcurrentActivityTaskExecutions: slots.relays,
    // The relay hub beats each relay itself (activities/relay-hub.ts); the server hears of it
    // every 30 s (heartbeat timeout 60 s, workflows/benchmark.ts): each beat is a server write.
    maxHeartbeatThrottleInterval: '30s',
    interceptors: {
      activity: [
        ...(options.config.faultDelays?.length ? [faultDelayInterceptor(options.config.faultDelays)] : []),
      ],
    },
  });
  return new BenchmarkWorker(main, relay);
}
