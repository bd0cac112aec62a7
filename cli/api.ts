/** `aifb api`: the HTTP API alone, against the configured Temporal server, until Ctrl-C. */
import { apiConfig } from '../api/config';
import { startApiServer } from '../api/server';
import { connectControl } from '../control/connect';
import type { AifbConfig } from '../core/node/config';
import { temporalSettings } from '../core/node/temporal';

export async function runApi(config: AifbConfig, overrides: { host?: string; port?: number }): Promise<void> {
  const settings = temporalSettings();
  const api = apiConfig(process.env, overrides);
  const control = await connectControl(config, settings);
  const running = await startApiServer(control, api, settings.connectionOptions.address);
  console.log(
    `API           ${running.url} (OpenAPI UI ${running.url}/docs), Temporal ${settings.connectionOptions.address}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  await control.close();
}
