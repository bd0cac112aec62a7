/** `aifb dev`: the embedded stack in the foreground, until Ctrl-C. */
import { randomBytes } from 'node:crypto';
import { apiConfig } from '../api/config';
import { startApiServer } from '../api/server';
import { connectControl } from '../control/connect';
import type { AifbConfig } from '../core/node/config';
import { startTelemetryStack } from '../telemetry/stack';
import { installRuntime } from '../workers/runtime';
import { startDevServer, startInProcessWorker, temporalReachable } from './embedded-stack';

export async function runDev(
  config: AifbConfig,
  { port, uiPort, apiPort }: { port: number; uiPort: number; apiPort: number },
): Promise<void> {
  installRuntime('WARN');
  const address = `127.0.0.1:${port}`;
  if (await temporalReachable(address)) {
    throw new Error(
      `something already answers on ${address} (another \`aifb dev\`?); use --port to pick another`,
    );
  }
  const server = await startDevServer({ config, port, uiPort });
  const telemetry = await startTelemetryStack(config);
  const worker = await startInProcessWorker({ address: server.address, namespace: 'default', config });
  // The API of the stack: the configured token, else a fresh one printed below.
  const token = process.env.AIFB_API_TOKEN || randomBytes(24).toString('hex');
  const control = await connectControl(config, {
    connectionOptions: { address: server.address },
    namespace: 'default',
    configured: true,
  });
  const api = await startApiServer(control, apiConfig(process.env, { port: apiPort, token }), server.address);
  console.log(`Temporal      ${server.address} (history: ${server.dbFile})`);
  console.log(`Web UI        ${server.uiUrl}`);
  console.log(`worker        polling ${config.taskQueue}; data in ${config.dataDir}`);
  console.log(`API           ${api.url} (OpenAPI UI ${api.url}/docs)`);
  console.log(
    `API token     ${process.env.AIFB_API_TOKEN ? '(AIFB_API_TOKEN)' : `${token} (generated; set AIFB_API_TOKEN to choose one)`}`,
  );
  for (const note of telemetry.notes) console.log(note);
  console.log('Ctrl-C stops everything; benchmarks in flight resume the next time it starts.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('\nstopping...');
  await api.close();
  await control.close();
  await worker.stop();
  await telemetry.stop();
  await server.stop();
}
