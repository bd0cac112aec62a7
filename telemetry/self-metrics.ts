/**
 * aifb's own metrics (prom-client default registry), served by the worker on
 * AIFB_WORKER_METRICS_PORT and by the API on GET /metrics: benchmarks started and finished by
 * outcome, running benchmarks (from Temporal visibility where a client is at hand), activity
 * durations and failures, how far behind the relay is, and the commands run on Slurm logins.
 */
import { createServer, type Server } from 'node:http';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, collectDefaultMetrics, Gauge, Histogram, register } from 'prom-client';
import { ACTIVITY } from '../core/contract';

let defaultsOn = false;

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

export const selfMetrics = {
  started: once(
    'aifb_benchmarks_started_total',
    () =>
      new Counter({
        name: 'aifb_benchmarks_started_total',
        help: 'Benchmarks whose service job this worker submitted first.',
      }),
  ),
  finished: once(
    'aifb_benchmarks_finished_total',
    () =>
      new Counter({
        name: 'aifb_benchmarks_finished_total',
        help: 'Benchmarks that ended, by outcome (done, failed, cancelled).',
        labelNames: ['outcome'],
      }),
  ),
  activityDuration: once(
    'aifb_activity_duration_seconds',
    () =>
      new Histogram({
        name: 'aifb_activity_duration_seconds',
        help: 'Activity execution time by activity type and outcome.',
        labelNames: ['activity', 'outcome'],
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 7200],
      }),
  ),
  activityFailures: once(
    'aifb_activity_failures_total',
    () =>
      new Counter({
        name: 'aifb_activity_failures_total',
        help: 'Failed activity attempts by activity type and error type.',
        labelNames: ['activity', 'type'],
      }),
  ),
  relayLag: once(
    'aifb_relay_lag_seconds',
    () =>
      new Gauge({
        name: 'aifb_relay_lag_seconds',
        help: 'Age of the newest client progress snapshot when the relay pushed it.',
        labelNames: ['benchmark'],
      }),
  ),
  relayBenchmarks: once(
    'aifb_relay_benchmarks',
    () =>
      new Gauge({
        name: 'aifb_relay_benchmarks',
        help: "Running benchmarks this worker's relay hub serves.",
      }),
  ),
  relayPushes: once(
    'aifb_relay_pushes_total',
    () =>
      new Counter({
        name: 'aifb_relay_pushes_total',
        help: 'Pushgateway PUTs the relay hub made (paced by AIFB_RELAY_PUSHES_PER_S over all benchmarks).',
      }),
  ),
  relayPushInterval: once(
    'aifb_relay_push_interval_seconds',
    () =>
      new Gauge({
        name: 'aifb_relay_push_interval_seconds',
        help: "How often each benchmark's live metrics are pushed now (grows past the budget with the number running).",
      }),
  ),
  slurmCommands: once(
    'aifb_slurm_commands_total',
    () =>
      new Counter({
        name: 'aifb_slurm_commands_total',
        help: 'Commands run on Slurm login nodes, by command (squeue, sacct, sbatch, scancel, scontrol; shell for the rest). Status checks share one squeue per poll interval per login.',
        labelNames: ['command'],
      }),
  ),
  orphansCancelled: once(
    'aifb_orphaned_jobs_cancelled_total',
    () =>
      new Counter({
        name: 'aifb_orphaned_jobs_cancelled_total',
        help: 'Jobs the janitor cancelled because their benchmark ended without teardown (terminated, timed out).',
        labelNames: ['executor', 'workflow_status'],
      }),
  ),
};

/** `aifb_benchmarks_running`, asked of Temporal visibility at scrape time. */
export function registerRunningGauge(count: () => Promise<number>): void {
  if (register.getSingleMetric('aifb_benchmarks_running')) return;
  new Gauge({
    name: 'aifb_benchmarks_running',
    help: 'Benchmark workflows running, from Temporal visibility.',
    async collect() {
      this.set(await count().catch(() => Number.NaN));
    },
  });
}

/** Times every activity; counts failures (cancellations are not failures). */
export const activityMetricsInterceptor: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const activity = ctx.info.activityType;
      const end = selfMetrics.activityDuration.startTimer({ activity });
      try {
        const result = await next(input);
        end({ outcome: 'ok' });
        if (activity === ACTIVITY.submitService && ctx.info.attempt === 1) selfMetrics.started.inc();
        return result;
      } catch (err) {
        const type = (err as { type?: string; name?: string }).type ?? (err as Error).name ?? 'Error';
        const cancelled = type === 'CancelledFailure';
        end({ outcome: cancelled ? 'cancelled' : 'failed' });
        if (!cancelled) selfMetrics.activityFailures.inc({ activity, type });
        throw err;
      }
    },
  },
});

/** Serves the default registry on 127.0.0.1:`port` (or `host`); resolves once listening. */
export async function serveMetrics(port: number, host = '127.0.0.1'): Promise<Server> {
  if (!defaultsOn) {
    collectDefaultMetrics({ prefix: 'aifb_worker_' });
    defaultsOn = true;
  }
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('try /metrics\n');
      return;
    }
    register.metrics().then(
      (text) => res.writeHead(200, { 'content-type': register.contentType }).end(text),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  server.unref();
  return server;
}

/**
 * The worker's /metrics on AIFB_WORKER_METRICS_PORT (default 9464; 0: off) and
 * AIFB_WORKER_METRICS_HOST (default 127.0.0.1). A second worker on the same machine finds the
 * port taken: it works on without /metrics, and `note` says so.
 */
export async function serveWorkerMetrics(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ target: string | null; note: string | null; close(): void }> {
  const port = Number(env.AIFB_WORKER_METRICS_PORT ?? 9464);
  const host = env.AIFB_WORKER_METRICS_HOST ?? '127.0.0.1';
  if (port <= 0) return { target: null, note: null, close() {} };
  try {
    const server = await serveMetrics(port, host);
    return {
      target: `${host}:${port}`,
      note: `worker metrics on http://${host}:${port}/metrics`,
      close: () => server.close(),
    };
  } catch (err) {
    return {
      target: null,
      note: `worker metrics not served on ${host}:${port}: ${(err as Error).message}`,
      close() {},
    };
  }
}
