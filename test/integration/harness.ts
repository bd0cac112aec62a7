/**
 * A real Temporal dev server (the pinned CLI binary, `existing-path`), real activities, the
 * local executor and the simulator. Each test gets its own data folder and task queue.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { expect, inject } from 'vitest';
import { type ActivityContext, createActivityContext } from '../../activities/context';
import { temporalBinary } from '../../cli/embedded-stack';
import { type BenchmarkStatus, statusQuery } from '../../core/contract';
import type { AifbConfig } from '../../core/node/config';
import { repoRoot } from '../../core/node/config';
import { SEARCH_ATTRIBUTE_KEYS } from '../../core/search-attributes';
import { MemoryExecutor } from '../../executors/memory';
import { installRuntime } from '../../workers/runtime';
import { type BenchmarkWorker, createBenchmarkWorker, workflowsPath } from '../../workers/worker';
import './tier-setup';

/**
 * A free port BELOW the kernel's ephemeral range (32768-60999 here). The dev server picks its
 * internal services' ports by binding to port 0; a port we picked the same way and released could
 * be handed to one of them before the frontend binds it ("address already in use", then a panic).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found in 20000-32000');
}

export interface DevEnv {
  env: TestWorkflowEnvironment;
  address: string;
  bundle: WorkflowBundleWithSourceMap;
  teardown(): Promise<void>;
}

/** `uiPort` also serves the Temporal Web UI there (the API tier's browser test). */
export async function startDevEnv(options: { uiPort?: number } = {}): Promise<DevEnv> {
  installRuntime('WARN');
  const binary = temporalBinary();
  if (!existsSync(binary)) {
    throw new Error(
      `Temporal CLI not found at ${binary}: run \`make setup\` (integration tests need the real dev server)`,
    );
  }
  const port = await freePort();
  const bundleFile = inject('workflowBundleFile');
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: binary },
        ip: '127.0.0.1',
        port,
        searchAttributes: SEARCH_ATTRIBUTE_KEYS,
        ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : {}),
      },
    }),
    // The tier's global setup bundled the workflows once (tier-setup.ts); alone, bundle here
    // while the server starts.
    bundleFile
      ? (JSON.parse(readFileSync(bundleFile, 'utf8')) as WorkflowBundleWithSourceMap)
      : bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') }),
  ]);
  return { env, address: `127.0.0.1:${port}`, bundle, teardown: () => env.teardown() };
}

let queueCounter = 0;

export function testConfig(): AifbConfig {
  return {
    dataDir: mkdtempSync(join(tmpdir(), 'aifb-it-')),
    distDir: join(repoRoot, 'dist'),
    taskQueue: `aifb-it-${process.pid}-${++queueCounter}`,
  };
}

export async function inProcessWorker(dev: DevEnv, config: AifbConfig): Promise<BenchmarkWorker> {
  return createBenchmarkWorker({
    connection: dev.env.nativeConnection,
    namespace: 'default',
    config,
    workflowBundle: dev.bundle,
  });
}

/**
 * A worker whose jobs run on the in-memory executor (no processes: only the orchestration is
 * under test), with start-ups of `startupMs`. Close its context after the worker stops.
 */
export async function memoryWorker(
  dev: DevEnv,
  config: AifbConfig,
  startupMs: number,
): Promise<{ worker: BenchmarkWorker; context: ActivityContext }> {
  const timing = { startupMs };
  const context = createActivityContext(config, {
    executor: new MemoryExecutor({ timing: { service: timing, clients: timing } }),
  });
  const worker = await createBenchmarkWorker({
    connection: dev.env.nativeConnection,
    namespace: 'default',
    config,
    context,
    workflowBundle: dev.bundle,
  });
  return { worker, context };
}

/** A worker in its own process, so a test can kill -9 it like a crash would. */
export function workerProcess(
  dev: DevEnv,
  config: AifbConfig,
  extraEnv: Record<string, string> = {},
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'workers', 'main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: dev.address,
      AIFB_DATA_DIR: config.dataDir,
      AIFB_DIST_DIR: config.distDir,
      AIFB_TASK_QUEUE: config.taskQueue,
      AIFB_LOG_LEVEL: 'WARN',
      AIFB_WORKER_METRICS_PORT: '0',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Live processes whose environment names a job folder under `dataDir` (what teardown must leave: none). */
export function jobProcessesUnder(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      if (environ.includes(`AIFB_JOB_DIR=${join(dataDir, 'jobs')}/`)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** A small, quick recipe against the simulator; override what a test needs. */
export function simulatorRecipe(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'it',
    service: {
      kind: 'simulator',
      simulator: { ttft: '50ms', itl: '5ms', outputTokens: 20, seed: 3 },
      health: { timeout: '20s', interval: '200ms' },
    },
    workload: {
      kind: 'openai-chat',
      dataset: { synthetic: { inputTokens: 32, outputTokens: 20 } },
      clients: { count: 2 },
      stages: [
        { name: 'c4', mode: 'concurrency', concurrency: 4, duration: '4s', warmup: '1s', cooldown: '3s' },
      ],
      slo: { ttft: '200ms' },
    },
    ...overrides,
  };
}

/** Polls the status query until the benchmark is in `phase`. */
export async function waitForPhase(
  handle: WorkflowHandle,
  phase: string,
  timeoutMs = 120_000,
): Promise<BenchmarkStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(statusQuery).catch(() => undefined);
    if (status?.phase === phase) return status;
    if (Date.now() > deadline) throw new Error(`benchmark never reached ${phase} (last: ${status?.phase})`);
    await sleep(200);
  }
}

/** The WorkflowFailedError a run ended with (the assertion fails if it did not fail). */
export async function failureOf(promise: Promise<unknown>): Promise<WorkflowFailedError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return err as WorkflowFailedError;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The `aifb` CLI as a separate process (bin/aifb.mjs), with exactly `env`. */
export function runAifb(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'aifb.mjs'), ...args], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
