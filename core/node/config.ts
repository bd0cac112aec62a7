/**
 * Where aifb keeps things on the machine running the worker/CLI. Environment variables
 * override; defaults keep everything inside the checkout (git-ignored data/ and dist/).
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { TASK_QUEUE } from '../contract';
import { parseDurationMs } from '../duration';
import { type JobRuntime, programFile } from '../jobs';
import { insideDir, PathEscapeError } from './safe-path';

export const repoRoot = resolve(import.meta.dirname, '../..');

export interface AifbConfig {
  /** Results, logs, local jobs and the embedded Temporal database live here. */
  dataDir: string;
  /** Built bundles (loadgen.mjs, simulator.mjs) and executables (aifb-loadgen, aifb-simulator) uploaded into jobs. */
  distDir: string;
  taskQueue: string;
  /** Where live metrics and logs go; absent or null URLs switch that part off. */
  telemetry?: TelemetryConfig;
  /** AIFB_JANITOR_INTERVAL: how often the job janitor sweeps (default 1m). */
  janitorIntervalMs?: number;
  /** Tests only: variables exported into every Slurm job (test/slurm/runtime.test.ts: PATH). */
  slurmJobEnv?: Record<string, string>;
  /** How many tasks of each kind one worker runs at once (AIFB_*_SLOTS; defaults in workerSlotsFrom). */
  workerSlots?: WorkerSlots;
  /**
   * AIFB_MAX_RUNNING_LOCAL: benchmarks at once on the local executor (admission control; a
   * recipe's target.maxRunning overrides). loadConfig's default: this machine's cores; null or
   * absent: no limit.
   */
  maxRunningLocal?: number | null;
  /** AIFB_FAULT_DELAYS: chaos tests only (workers/fault-injection.ts). */
  faultDelays?: { activity: string; when: 'before' | 'after'; ms: number }[];
}

export interface WorkerSlots {
  /** AIFB_ACTIVITY_SLOTS: activities of the benchmark task queue at once (default 200). */
  activities: number;
  /** AIFB_WORKFLOW_SLOTS: workflow tasks at once (default 50). */
  workflows: number;
  /** AIFB_RELAY_SLOTS: relays at once on the relay queue; each is a registration, not a loop (default 5000). */
  relays: number;
}

export function workerSlotsFrom(env: NodeJS.ProcessEnv = process.env): WorkerSlots {
  const count = (name: string, fallback: number) => {
    const text = env[name];
    if (text === undefined || text.trim() === '') return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`${name}=${JSON.stringify(text)} is not a whole number >= 1`);
    return n;
  };
  return {
    activities: count('AIFB_ACTIVITY_SLOTS', 200),
    workflows: count('AIFB_WORKFLOW_SLOTS', 50),
    relays: count('AIFB_RELAY_SLOTS', 5000),
  };
}

/** AIFB_MAX_RUNNING_LOCAL: a whole number >= 1, or `unlimited`; default the machine's cores. */
export function maxRunningLocalFrom(env: NodeJS.ProcessEnv = process.env): number | null {
  const text = env.AIFB_MAX_RUNNING_LOCAL?.trim();
  if (text === undefined || text === '') return availableParallelism();
  if (text === 'unlimited') return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(
      `AIFB_MAX_RUNNING_LOCAL=${JSON.stringify(text)} is not a whole number >= 1 or "unlimited"`,
    );
  return n;
}

export interface TelemetryConfig {
  /** AIFB_PUSHGATEWAY_URL, e.g. http://127.0.0.1:9091 */
  pushgatewayUrl: string | null;
  /** AIFB_PROMETHEUS_URL: read back for the server-side aggregates of each stage. */
  prometheusUrl: string | null;
  /** LOKI_URL: the log copies are also pushed to Loki. */
  lokiUrl: string | null;
  /**
   * AIFB_PUSHGATEWAY_RETENTION: how long a finished benchmark's groups stay in Pushgateway
   * (Prometheus keeps the data; stale groups only clutter). `keep` = never delete.
   */
  pushRetentionMs: number | null;
  /** AIFB_PUSH_INTERVAL: how often the relay pushes live numbers (default 2s; at most 5s). */
  pushIntervalMs: number;
  /**
   * What the relay hub may spend per second over all running benchmarks (AIFB_RELAY_PASSES_PER_S,
   * AIFB_RELAY_PUSHES_PER_S, AIFB_RELAY_QUERIES_PER_S; telemetry/relay-budget.ts has the defaults).
   */
  relayBudget?: { passesPerS?: number; pushesPerS?: number; statusQueriesPerS?: number };
}

function envRate(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${name}=${JSON.stringify(text)} is not a rate > 0 per second`);
  return n;
}

function envDuration(name: string, text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined)
    throw new Error(`${name}=${JSON.stringify(text)} is not a duration like 30s, 10m or 2h`);
  return ms;
}

export function loadTelemetryConfig(env: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  const url = (v: string | undefined) => (v && v.trim() !== '' ? v.trim().replace(/\/$/, '') : null);
  const retention = env.AIFB_PUSHGATEWAY_RETENTION ?? '10m';
  return {
    pushgatewayUrl: url(env.AIFB_PUSHGATEWAY_URL),
    prometheusUrl: url(env.AIFB_PROMETHEUS_URL),
    lokiUrl: url(env.LOKI_URL),
    pushRetentionMs: retention === 'keep' ? null : envDuration('AIFB_PUSHGATEWAY_RETENTION', retention),
    pushIntervalMs: Math.min(5000, envDuration('AIFB_PUSH_INTERVAL', env.AIFB_PUSH_INTERVAL ?? '2s')),
    relayBudget: Object.fromEntries(
      (
        [
          ['passesPerS', 'AIFB_RELAY_PASSES_PER_S'],
          ['pushesPerS', 'AIFB_RELAY_PUSHES_PER_S'],
          ['statusQueriesPerS', 'AIFB_RELAY_QUERIES_PER_S'],
        ] as const
      )
        .map(([key, name]) => [key, envRate(env, name)] as const)
        .filter(([, v]) => v !== undefined),
    ),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AifbConfig {
  return {
    dataDir: resolve(env.AIFB_DATA_DIR ?? join(repoRoot, 'data')),
    distDir: resolve(env.AIFB_DIST_DIR ?? join(repoRoot, 'dist')),
    taskQueue: env.AIFB_TASK_QUEUE ?? TASK_QUEUE,
    telemetry: loadTelemetryConfig(env),
    workerSlots: workerSlotsFrom(env),
    maxRunningLocal: maxRunningLocalFrom(env),
    ...(env.AIFB_JANITOR_INTERVAL
      ? { janitorIntervalMs: envDuration('AIFB_JANITOR_INTERVAL', env.AIFB_JANITOR_INTERVAL) }
      : {}),
  };
}

/** Files in a benchmark's results folder, data/results/<id>/ (see the README's Results). */
export const resultFiles = {
  summary: 'summary.json',
  csv: 'results.csv',
  recipe: 'recipe.json',
  /** Every stage's request records, in stage order (workload.recordRequests). */
  requests: 'requests.jsonl',
  /** A stage's request records, gathered from its clients. */
  stageRequests: (stageIndex: number) => `stage-${stageIndex}-requests.jsonl`,
  /** A stage's summary with every client's raw result, histograms included. */
  stageRaw: (stageIndex: number, stageName: string) => `stage-${stageIndex}-${stageName}.json`,
  /** One JSON line per scrape of the service's /metrics. */
  serviceScrapes: 'service-metrics.jsonl',
} as const;

/** A benchmark's folders: always strictly inside results/ or logs/, whatever the id (throws otherwise). */
export const paths = {
  jobs: (c: AifbConfig) => join(c.dataDir, 'jobs'),
  results: (c: AifbConfig, benchmarkId: string) => insideDir(join(c.dataDir, 'results'), benchmarkId),
  logs: (c: AifbConfig, benchmarkId: string) => insideDir(join(c.dataDir, 'logs'), benchmarkId),
  /** The relay hub's latest progress of a running benchmark, for the API's live view. */
  live: (c: AifbConfig, benchmarkId: string) => insideDir(join(c.dataDir, 'live'), `${benchmarkId}.json`),
  /**
   * A recipe's results history, data/history/<recipe name>.jsonl. The name must be a recipe
   * name ([a-z0-9-]); whatever it is, the path stays inside history/ (throws otherwise).
   */
  history: (c: AifbConfig, recipeName: string) => {
    if (!/^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/.test(recipeName)) {
      throw new PathEscapeError(
        `${JSON.stringify(recipeName)} is not a recipe name ([a-z0-9-], 1-50 characters)`,
      );
    }
    return insideDir(join(c.dataDir, 'history'), `${recipeName}.jsonl`);
  },
  /** The built program a job of this runtime runs (scripts/build.ts). */
  program: (c: AifbConfig, name: 'loadgen' | 'simulator', runtime: JobRuntime) =>
    join(c.distDir, programFile(name, runtime)),
};
