/**
 * The in-job log shipper, for sites whose compute nodes can reach Loki (recipe
 * `telemetry.directLokiUrl`): a sidecar of each task of the service and clients jobs, run from
 * the job's uploaded loadgen program (`--ship-logs`), that pushes the task's own stdout/stderr
 * to Loki as they grow, with the labels the worker's relay would use (telemetry/loki.ts).
 *
 * Hand-over, so that no line goes twice: after every accepted push it records the bytes
 * accepted in `logship-<i>.json` (LogShipState, atomically). The relay ships none of the task's
 * lines while that state is `shipping`; once it is `stopped` (the job ended, or a push failed
 * and the shipper gave up), or the job is over (a shipper killed outright), the relay ships from
 * the recorded offsets on, resending a batch left pending with its own timestamps.
 *
 * It stops, after a last pass, on SIGUSR2 (from the job script once the task's program exited;
 * USR1 is Node's debugger) or when its parent (the job script) is gone. It ignores SIGTERM and
 * SIGINT, which a cancel sends to every process of the job: the lines the service writes while
 * it shuts down are still to come.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jobFiles, jobIdFromEnv, logShipFiles } from '../core/jobs';
import type { LogShipSpec, LogShipState } from '../core/loadgen-protocol';
import { writeFileAtomic } from '../core/node/files';
import {
  type CursorStore,
  LokiShipper,
  type LokiShipperOptions,
  logLabels,
  type ShipState,
} from '../telemetry/loki';

export interface LogShipOptions {
  jobDir: string;
  index: number;
  env?: Record<string, string | undefined>;
  /** How often new lines are looked for (default 1000 ms). */
  intervalMs?: number;
  /** Aborted: a last pass, then stop. */
  signal: AbortSignal;
  push?: LokiShipperOptions;
}

/** The task's state file as a cursor store: each write says `shipping`, with the offsets. */
function stateStore(file: string): CursorStore & { finish(reason?: string): Promise<LogShipState> } {
  let latest: ShipState = { offsets: {} };
  const save = (state: LogShipState) => writeFileAtomic(file, `${JSON.stringify(state)}\n`);
  const asState = (s: ShipState, state: LogShipState['state']): LogShipState => ({
    version: 1,
    state,
    offsets: s.offsets,
    ...(s.pending ? { pending: s.pending } : {}),
  });
  return {
    async read() {
      // A restarted shipper (never, in a job) would go on from its own record.
      const text = await readFile(file, 'utf8').catch(() => '');
      if (text) latest = JSON.parse(text) as LogShipState;
      return { offsets: { ...latest.offsets }, ...(latest.pending ? { pending: latest.pending } : {}) };
    },
    async write(s) {
      latest = { offsets: { ...s.offsets }, ...(s.pending ? { pending: { ...s.pending } } : {}) };
      await save(asState(latest, 'shipping'));
    },
    async finish(reason) {
      const final = { ...asState(latest, 'stopped'), ...(reason ? { reason } : {}) };
      await save(final);
      return final;
    },
  };
}

export async function readLogShipSpec(jobDir: string): Promise<LogShipSpec> {
  const spec = JSON.parse(await readFile(join(jobDir, logShipFiles.spec), 'utf8')) as LogShipSpec;
  if (spec.version !== 1 || typeof spec.url !== 'string')
    throw new Error(`${logShipFiles.spec}: not a version 1 log-ship spec`);
  return spec;
}

/** Ships until `signal` is aborted or a push fails; returns the final state it recorded. */
export async function shipJobLogs(options: LogShipOptions): Promise<LogShipState> {
  const { jobDir, index } = options;
  const store = stateStore(join(jobDir, logShipFiles.state(index)));
  let spec: LogShipSpec;
  let jobId: string | undefined;
  try {
    spec = await readLogShipSpec(jobDir);
    jobId = jobIdFromEnv(options.env ?? process.env);
    if (!jobId)
      throw new Error('no job id in the environment (SLURM_ARRAY_JOB_ID, SLURM_JOB_ID or AIFB_JOB_ID)');
  } catch (err) {
    return store.finish(`cannot start: ${(err as Error).message}`);
  }
  const job = { id: jobId, name: spec.jobName, tasks: spec.tasks };
  const files = (['stdout', 'stderr'] as const).map((stream) => ({
    key: jobFiles[stream](index),
    path: join(jobDir, jobFiles[stream](index)),
    labels: logLabels(spec.benchmarkId, job, index, stream),
  }));
  // Short retries: a Loki that cannot take a batch within seconds is the relay's to cover.
  const shipper = new LokiShipper(spec.url, store, {
    retries: 2,
    backoffMs: 500,
    timeoutMs: 5000,
    ...options.push,
  });
  await store.write(await store.read());
  for (;;) {
    const last = options.signal.aborted;
    try {
      await shipper.ship(files);
    } catch (err) {
      return store.finish(`push failed: ${(err as Error).message}`);
    }
    if (last) return store.finish();
    await sleep(options.intervalMs ?? 1000, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

/** The `--ship-logs` command: SIGUSR2 or the parent's exit ends it; exit 0 whatever happened. */
export async function runLogShipCli(jobDir: string, index: number): Promise<number> {
  const stop = new AbortController();
  const parent = process.ppid;
  const ignore = () => undefined;
  process.on('SIGTERM', ignore);
  process.on('SIGINT', ignore);
  process.on('SIGUSR2', () => stop.abort());
  const orphan = setInterval(() => {
    if (process.ppid !== parent) stop.abort();
  }, 500);
  try {
    const final = await shipJobLogs({ jobDir, index, signal: stop.signal });
    if (final.reason)
      process.stderr.write(`log shipper ${index}: ${final.reason}; the worker's relay ships the rest\n`);
    return 0;
  } finally {
    clearInterval(orphan);
  }
}
