/**
 * `npm run worker`: a long-running aifb worker against the configured Temporal server
 * (TEMPORAL_ADDRESS etc., default 127.0.0.1:7233). Stops cleanly on SIGINT/SIGTERM.
 */
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivityContext } from '../activities/context';
import { loadConfig } from '../core/node/config';
import { temporalSettings } from '../core/node/temporal';
import { startRetention } from '../telemetry/janitor';
import { serveWorkerMetrics } from '../telemetry/self-metrics';
import { parseFaultDelays } from './fault-injection';
import { startJobJanitor } from './job-janitor';
import { installRuntime } from './runtime';
import { createBenchmarkWorker } from './worker';

installRuntime('INFO');

const settings = temporalSettings();
const config = { ...loadConfig(), faultDelays: parseFaultDelays(process.env.AIFB_FAULT_DELAYS) };
if (config.faultDelays.length > 0)
  console.log(`fault injection (AIFB_FAULT_DELAYS): ${process.env.AIFB_FAULT_DELAYS}`);
const connection = await NativeConnection.connect(settings.connectionOptions);
const context = createActivityContext(config);
const worker = await createBenchmarkWorker({ connection, namespace: settings.namespace, config, context });
console.log(
  `aifb worker polling ${config.taskQueue} on ${settings.connectionOptions.address} (namespace ${settings.namespace}); data in ${config.dataDir}`,
);
const workerMetrics = await serveWorkerMetrics();
if (workerMetrics.note) console.log(workerMetrics.note);
const t = config.telemetry;
console.log(
  t?.pushgatewayUrl
    ? `live metrics to ${t.pushgatewayUrl} (retention ${t.pushRetentionMs === null ? 'keep' : `${t.pushRetentionMs / 1000}s`}); Prometheus ${t.prometheusUrl ?? 'not set: no server-side aggregates'}`
    : 'live metrics are off: set AIFB_PUSHGATEWAY_URL (and AIFB_PROMETHEUS_URL)',
);
const stopRetention = startRetention(t, (m) => console.log(m));
// Jobs of runs that ended without teardown (terminated, timed out) are cancelled (job-janitor.ts).
const stopJanitor = startJobJanitor(
  new Client({ connection, namespace: settings.namespace }),
  context.knownExecutors,
  (m) => console.log(m),
  config.janitorIntervalMs,
);
await worker.run();
// Release everything that holds the event loop, so the process ends after a shutdown signal.
stopJanitor();
stopRetention();
workerMetrics.close();
await context.close();
await connection.close();
