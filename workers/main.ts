/**
 * `npm run worker`: a long-running aifb worker against the configured Temporal server
 * (TEMPORAL_ADDRESS etc., default 127.0.0.1:7233). Stops cleanly on SIGINT/SIGTERM.
 */
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../core/config';
import { temporalSettings } from '../core/temporal';
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
await worker.run();
await connection.close();
