/** `aifb dev`: the embedded stack in the foreground, until Ctrl-C. */
import type { AifbConfig } from '../core/config';
import { startTelemetryStack } from '../telemetry/stack';
import { installRuntime } from '../workers/runtime';
import { startDevServer, startInProcessWorker, temporalReachable } from './embedded-stack';

export async function runDev(config: AifbConfig, port: number, uiPort: number): Promise<void> {
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
  console.log(`Temporal      ${server.address} (history: ${server.dbFile})`);
  console.log(`Web UI        ${server.uiUrl}`);
  console.log(`worker        polling ${config.taskQueue}; data in ${config.dataDir}`);
  for (const note of telemetry.notes) console.log(note);
  console.log('Ctrl-C stops everything; benchmarks in flight resume the next time it starts.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('\nstopping...');
  await worker.stop();
  await telemetry.stop();
  await server.stop();
}
