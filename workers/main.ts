/**
 * `npm run worker`: a long-running aifb worker against the configured Temporal server
 * (TEMPORAL_ADDRESS etc., default 127.0.0.1:7233). Stops cleanly on SIGINT/SIGTERM.
 */
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../core/config';
import { temporalSettings } from '../core/temporal';
import { startJanitor } from '../telemetry/janitor';
import { Pushgateway } from '../telemetry/pushgateway';
import { serveMetrics } from '../telemetry/self-metrics';
import { installRuntime } from './runtime';
import { createBenchmarkWorker } from './worker';

installRuntime('INFO');

const settings = temporalSettings();
const config = loadConfig();
const connection = await NativeConnection.connect(settings.connectionOptions);
const worker = await createBenchmarkWorker({ connection, namespace: settings.namespace, config });
console.log(
  `aifb worker polling ${config.taskQueue} on ${settings.connectionOptions.address} (namespace ${settings.namespace}); data in ${config.dataDir}`,
);
const metricsPort = Number(process.env.AIFB_WORKER_METRICS_PORT ?? 9464);
if (metricsPort > 0) {
  const host = process.env.AIFB_WORKER_METRICS_HOST ?? '127.0.0.1';
  // A second worker on the same machine finds the port taken: it works on without /metrics.
  await serveMetrics(metricsPort, host).then(
    () => console.log(`worker metrics on http://${host}:${metricsPort}/metrics`),
    (err: Error) => console.warn(`worker metrics not served on ${host}:${metricsPort}: ${err.message}`),
  );
}
const t = config.telemetry;
console.log(
  t?.pushgatewayUrl
    ? `live metrics to ${t.pushgatewayUrl} (retention ${t.pushRetentionMs === null ? 'keep' : `${t.pushRetentionMs / 1000}s`}); Prometheus ${t.prometheusUrl ?? 'not set: no server-side aggregates'}`
    : 'live metrics are off: set AIFB_PUSHGATEWAY_URL (and AIFB_PROMETHEUS_URL)',
);
if (t?.pushgatewayUrl && t.pushRetentionMs !== null) {
  startJanitor(new Pushgateway(t.pushgatewayUrl), t.pushRetentionMs, (m) => console.log(m));
}
await worker.run();
await connection.close();
