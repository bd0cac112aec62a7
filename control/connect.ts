/** Opens a `TemporalControl` on a Temporal server, with aifb's search attributes ensured. */
import { Client, Connection } from '@temporalio/client';
import type { AifbConfig } from '../core/node/config';
import type { TemporalSettings } from '../core/node/temporal';
import { ensureSearchAttributes } from './search-attributes';
import { TemporalControl } from './temporal-control';

export async function connectControl(
  config: AifbConfig,
  settings: TemporalSettings,
): Promise<TemporalControl> {
  const connection = await Connection.connect(
    settings.connectionOptions as Parameters<typeof Connection.connect>[0],
  );
  try {
    await ensureSearchAttributes(connection, settings.namespace);
  } catch (err) {
    await connection.close();
    throw err;
  }
  const client = new Client({ connection, namespace: settings.namespace });
  return new TemporalControl(client, config, () => connection.close());
}

/** What GET /health reports: Temporal reachable, and how many workers poll the task queue. */
export async function temporalHealth(control: TemporalControl, address: string) {
  const { client, config } = control;
  const namespace = client.options.namespace;
  try {
    const workers = await client.connection.withDeadline(Date.now() + 3000, async () => {
      await client.workflowService.getSystemInfo({});
      const queue = await client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: config.taskQueue },
        taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
      });
      return queue.pollers?.length ?? 0;
    });
    return {
      ok: true,
      temporal: { address, namespace, reachable: true },
      taskQueue: config.taskQueue,
      workers,
    };
  } catch {
    return {
      ok: false,
      temporal: { address, namespace, reachable: false },
      taskQueue: config.taskQueue,
      workers: null,
    };
  }
}
