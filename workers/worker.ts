/** Builds the aifb worker: the benchmark workflow plus its activities on one task queue. */
import { fileURLToPath } from 'node:url';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, createActivityContext } from '../activities';
import type { ActivityContext } from '../activities/context';
import { keepAliveInterceptor } from '../activities/heartbeat';
import type { AifbConfig } from '../core/node/config';
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

export async function createBenchmarkWorker(options: BenchmarkWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.config.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities:
      options.activities ?? createActivities(options.context ?? createActivityContext(options.config)),
    // Benchmarks mostly wait: many can share one worker without starving each other.
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 50,
    // The relay's heartbeats carry live progress; the default throttle (0.8 x heartbeatTimeout)
    // would leave `aifb run` showing numbers up to 16 s old.
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
}
