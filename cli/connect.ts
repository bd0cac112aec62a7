/**
 * Finds a Temporal server and a worker for the CLI: the configured server, else one already
 * on 127.0.0.1:7233 (e.g. `aifb dev`), else the embedded stack started here. Starts an
 * in-process worker when nobody polls the task queue, and says so.
 */
import { Client, Connection } from '@temporalio/client';
import type { AifbConfig } from '../core/node/config';
import { temporalSettings } from '../core/node/temporal';
import { startTelemetryStack, type TelemetryStack } from '../telemetry/stack';
import {
  type DevServer,
  type InProcessWorker,
  startDevServer,
  startInProcessWorker,
  temporalReachable,
} from './embedded-stack';

export interface Session {
  client: Client;
  namespace: string;
  address: string;
  /** The Web UI when we know it (embedded stack). */
  uiUrl: string | null;
  startedServer: boolean;
  close(): Promise<void>;
}

export async function workflowPollers(client: Client, namespace: string, taskQueue: string): Promise<number> {
  const response = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  return response.pollers?.length ?? 0;
}

export async function openSession(
  config: AifbConfig,
  options: { ensureWorker: boolean; log: (line: string) => void },
): Promise<Session> {
  const settings = temporalSettings();
  let server: DevServer | undefined;
  let address = settings.connectionOptions.address;
  if (!settings.configured && !(await temporalReachable(address))) {
    options.log('no Temporal server configured or running: starting the embedded dev server...');
    server = await startDevServer({ config, port: 7233, uiPort: 8233 });
    address = server.address;
    options.log(`Temporal dev server on ${address}, Web UI ${server.uiUrl} (history in ${server.dbFile})`);
  }
  const connection = await Connection.connect(
    server
      ? { address }
      : ({ ...settings.connectionOptions, address } as Parameters<typeof Connection.connect>[0]),
  );
  const client = new Client({ connection, namespace: settings.namespace });
  let worker: InProcessWorker | undefined;
  let telemetryStack: TelemetryStack | undefined;
  if (
    options.ensureWorker &&
    (server || (await workflowPollers(client, settings.namespace, config.taskQueue)) === 0)
  ) {
    if (!server) options.log(`no worker polls ${config.taskQueue}: running one in this process`);
    // This process runs the worker, so it also brings the live-metrics side (telemetry/stack.ts).
    telemetryStack = await startTelemetryStack(config);
    for (const note of telemetryStack.notes) options.log(note);
    worker = await startInProcessWorker({
      address,
      namespace: settings.namespace,
      config,
      ...(server ? {} : { connectionOptions: settings.connectionOptions }),
    });
  }
  return {
    client,
    namespace: settings.namespace,
    address,
    uiUrl: server?.uiUrl ?? (settings.configured ? null : 'http://127.0.0.1:8233'),
    startedServer: server !== undefined,
    async close() {
      await worker?.stop();
      await telemetryStack?.stop();
      await connection.close();
      await server?.stop();
    },
  };
}
