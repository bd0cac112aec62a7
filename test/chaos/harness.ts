/**
 * What the chaos tier needs beyond the integration harness: a Temporal dev server on a SQLite
 * file that a case can SIGKILL and start again on the same database, workers as processes with
 * fault delays (AIFB_FAULT_DELAYS), and looks at the processes a job started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { type DevServer, startDevServer } from '../../cli/embedded-stack';
import { type BenchmarkStatus, statusQuery } from '../../core/contract';
import { type AifbConfig, repoRoot } from '../../core/node/config';
import { freePort } from '../integration/harness';

export interface ChaosServer {
  address: string;
  client: Client;
  /** SIGKILL, as a crash would; `restart` brings it back on the same database and port. */
  kill(): void;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startChaosServer(config: AifbConfig): Promise<ChaosServer> {
  const port = await freePort();
  const uiPort = await freePort();
  let server: DevServer = await startDevServer({ config, port, uiPort });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  return {
    address: server.address,
    client,
    kill() {
      if (server.pid) process.kill(server.pid, 'SIGKILL');
    },
    async restart() {
      server = await startDevServer({ config, port, uiPort });
    },
    async stop() {
      await connection.close();
      await server.stop();
    },
  };
}

/** A worker process (workers/main.ts) for `config`, with the given faults and a quick janitor. */
export function chaosWorker(address: string, config: AifbConfig, faultDelays = ''): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'workers', 'main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      AIFB_DATA_DIR: config.dataDir,
      AIFB_TASK_QUEUE: config.taskQueue,
      AIFB_FAULT_DELAYS: faultDelays,
      AIFB_JANITOR_INTERVAL: '2s',
      AIFB_WORKER_METRICS_PORT: '0',
      AIFB_LOG_LEVEL: 'ERROR',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  if ((await Promise.race([exited, sleep(10_000, 'timeout')])) === 'timeout') child.kill('SIGKILL');
}

/** Processes whose environment puts them in a job folder of `jobDir`, with their command line. */
export function jobProcesses(jobDir: string): { pid: number; cmdline: string; task: string | null }[] {
  const found: { pid: number; cmdline: string; task: string | null }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (!environ.includes(`AIFB_JOB_DIR=${jobDir}`)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      const task = environ.find((e) => e.startsWith('AIFB_TASK_INDEX='))?.split('=')[1] ?? null;
      found.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'latin1'), task });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The running attempt of an activity, from the workflow's pending activities. */
export interface RunningActivity {
  attempt: number;
  /** `<pid>@<host>`: the worker process that holds it. */
  workerPid: number | null;
  startedAtMs: number | null;
}

export async function runningActivity(handle: WorkflowHandle, name: string): Promise<RunningActivity | null> {
  const description = await handle.describe();
  const pending = description.raw.pendingActivities?.find(
    (a) => a.activityType?.name === name && a.state === 2, // PENDING_ACTIVITY_STATE_STARTED
  );
  if (!pending) return null;
  const started = pending.lastStartedTime?.seconds;
  return {
    attempt: pending.attempt ?? 1,
    workerPid: Number.parseInt(pending.lastWorkerIdentity?.split('@')[0] ?? '', 10) || null,
    startedAtMs: started
      ? Number(started) * 1000 + Math.round((pending.lastStartedTime?.nanos ?? 0) / 1e6)
      : null,
  };
}

/**
 * Is the activity still pending at all (scheduled, started or waiting to retry) in a running
 * workflow? A closed workflow's description keeps listing an activity it cancelled without
 * waiting (the relay, TRY_CANCEL) whose worker died: that one is gone, not pending.
 */
export async function isPending(handle: WorkflowHandle, name: string): Promise<boolean> {
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') return false;
  return (description.raw.pendingActivities ?? []).some((a) => a.activityType?.name === name);
}

export async function liveStatus(handle: WorkflowHandle): Promise<BenchmarkStatus | null> {
  return handle.query(statusQuery).catch(() => null);
}

/** The workflow's pending activities, one a line: what a timed-out wait was looking at. */
export async function pendingActivities(handle: WorkflowHandle): Promise<string> {
  const description = await handle.describe();
  return (description.raw.pendingActivities ?? [])
    .map(
      (a) =>
        `${a.activityType?.name} state ${a.state} attempt ${a.attempt} worker ${a.lastWorkerIdentity ?? '-'}${a.lastFailure?.message ? ` last failure: ${a.lastFailure.message}` : ''}`,
    )
    .join('\n');
}

/**
 * Polls `check` every 100 ms until it returns a value, or fails saying what it waited for (and
 * what `context` tells of the state then, for a failure that happens only in CI).
 */
export async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | null | undefined>,
  context?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => null);
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) {
      const seen = context ? await context().catch((err) => `(could not tell: ${String(err)})`) : '';
      throw new Error(
        `timed out after ${timeoutMs / 1000}s waiting for ${what}${seen ? `; then:\n${seen}` : ''}`,
      );
    }
    await sleep(100);
  }
}
