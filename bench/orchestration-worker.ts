/**
 * One worker process of `npm run bench:orchestration`: the real aifb worker (workers/worker.ts,
 * real activities, the orphaned-job janitor, Pushgateway pushes from its configuration) whose
 * activity context runs every job on the in-memory executor (executors/memory.ts), sharing its
 * jobs with the other bench workers through BENCH_MEMORY_DIR. BENCH_TIMING is the executor's
 * `timing` (JSON). Without BENCH_MEMORY_DIR it is a plain worker on the local executor (the
 * bench's real-local rounds).
 */
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivityContext } from '../activities/context';
import { loadConfig } from '../core/node/config';
import { temporalSettings } from '../core/node/temporal';
import { MemoryExecutor } from '../executors/memory';
import { dirStore } from '../executors/memory-store';
import { startJobJanitor } from '../workers/job-janitor';
import { installRuntime } from '../workers/runtime';
import { createBenchmarkWorker } from '../workers/worker';

installRuntime('WARN');
const settings = temporalSettings();
// Every benchmark started runs at once: the bench measures N running together, and simulated
// jobs take no cores (the local default limit is the machine's; README "Admission control").
const config = { ...loadConfig(), maxRunningLocal: null };
const memoryDir = process.env.BENCH_MEMORY_DIR;
const context = createActivityContext(
  config,
  memoryDir
    ? {
        executor: new MemoryExecutor({
          store: dirStore(memoryDir),
          timing: JSON.parse(process.env.BENCH_TIMING ?? '{}'),
        }),
      }
    : {},
);
const connection = await NativeConnection.connect(settings.connectionOptions);
const worker = await createBenchmarkWorker({ connection, namespace: settings.namespace, config, context });
const stopJanitor = startJobJanitor(
  new Client({ connection, namespace: settings.namespace }),
  context.knownExecutors,
  (m) => console.log(m),
  config.janitorIntervalMs,
);
console.log(`bench worker polling ${config.taskQueue}`);
await worker.run();
stopJanitor();
await context.close();
await connection.close();
