/**
 * `npm run api`: the HTTP API against the configured Temporal server (TEMPORAL_ADDRESS etc.),
 * reading results and logs from AIFB_DATA_DIR (the worker's). Stops on SIGINT/SIGTERM.
 */
import { connectControl } from '../control/connect';
import { loadConfig } from '../core/node/config';
import { temporalSettings } from '../core/node/temporal';
import { apiConfig } from './config';
import { startApiServer } from './server';

const settings = temporalSettings();
const config = apiConfig(process.env);
const control = await connectControl(loadConfig(), settings);
const api = await startApiServer(control, config, settings.connectionOptions.address, { logger: true });
console.log(
  `aifb API on ${api.url} (OpenAPI UI ${api.url}/docs); Temporal ${settings.connectionOptions.address}`,
);
await new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
await api.close();
await control.close();
