/**
 * Jobs as every layer names them, in one place: a job's name (the idempotency key of a
 * submission), the component names of its tasks (log files, Pushgateway groups, Loki labels),
 * and the names of the files inside a job's folder. Everything builds and parses names here.
 * Pure: the workflow imports it.
 */

export type JobState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMEOUT' | 'UNKNOWN';

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
]);

/** A submitted job, as the executor hands it back and the workflow keeps it. */
export interface JobRef {
  id: string;
  name: string;
  benchmarkId: string;
  tasks: number;
}

/** What a job does for its benchmark: the service, its image pull, or the clients of all its stages. */
export type JobRole = { kind: 'service' } | { kind: 'image' } | { kind: 'clients' };

/** The job's name without the benchmark prefix: `service`, `image`, `clients`. */
function roleName(role: JobRole): string {
  return role.kind;
}

/** Job names carry the benchmark id and the step: the key for idempotent submission. */
export const jobNames = {
  service: (benchmarkId: string) => `${benchmarkId}-${roleName({ kind: 'service' })}`,
  /** Pulls the service's container image into the cluster's cache. */
  image: (benchmarkId: string) => `${benchmarkId}-${roleName({ kind: 'image' })}`,
  /** One allocation serves every stage (see README "How it works"). */
  clients: (benchmarkId: string) => `${benchmarkId}-${roleName({ kind: 'clients' })}`,
};

/** The role of a job of `benchmarkId` from its name; null for a name aifb did not build. */
export function parseJobName(benchmarkId: string, jobName: string): JobRole | null {
  if (!jobName.startsWith(`${benchmarkId}-`)) return null;
  const rest = jobName.slice(benchmarkId.length + 1);
  return rest === 'service' || rest === 'image' || rest === 'clients' ? { kind: rest } : null;
}

/**
 * The name of one task of a job in logs: `service`, `clients-1`. A clients
 * job's tasks are always numbered; other jobs only when they have several tasks.
 */
export function componentName(benchmarkId: string, jobName: string, task: number, tasks: number): string {
  const role = parseJobName(benchmarkId, jobName);
  const base = role ? roleName(role) : jobName;
  return tasks > 1 || role?.kind === 'clients' ? `${base}-${task}` : base;
}

/**
 * `s0-clients-`: what a stage's client metric components start with (the relay and loadgen's
 * direct push both use it): the stage stays in the series name although one job runs them all.
 */
export function clientComponentPrefix(stageIndex: number): string {
  return `s${stageIndex}-clients-`;
}

/**
 * The benchmark a job name belongs to, when aifb built the name; null otherwise. `s<k>-clients`
 * is the per-stage name of earlier versions: the janitor still knows such a job for its own.
 */
export function benchmarkOfJobName(jobName: string): string | null {
  const match = /^(.+?)-(service|image|s\d+-clients|clients)$/.exec(jobName);
  return match ? match[1]! : null;
}

/** The service job among a benchmark's jobs. */
export function serviceJobOf(benchmarkId: string, jobs: readonly JobRef[]): JobRef | undefined {
  return jobs.find((j) => j.name === jobNames.service(benchmarkId));
}

/** The clients job (all stages) among a benchmark's jobs. */
export function clientsJobOf(benchmarkId: string, jobs: readonly JobRef[]): JobRef | undefined {
  return jobs.find((j) => j.name === jobNames.clients(benchmarkId));
}

/**
 * Files every job's folder has, whatever the executor. `task` is a task index, or the
 * placeholder that stands for it where the name is written (Slurm's `%a`, a shell variable).
 */
export const jobFiles = {
  stdout: (task: number | string) => `stdout-${task}.log`,
  stderr: (task: number | string) => `stderr-${task}.log`,
  /** `host:port` the service announced (written atomically). */
  endpoint: 'endpoint',
  /** The facts script (slurm-scripts/facts.sh), uploaded into every service and clients job. */
  factsScript: 'facts.sh',
  /** What the task's machine is (`key=value` lines from facts.sh), written atomically. */
  facts: (task: number | string) => `facts-${task}.txt`,
} as const;

/**
 * Files of a clients job: what the worker and the loadgen clients exchange, stage by stage
 * (loadgen/serve.ts, activities/clients.ts). `s` is a stage index, `c` a client index. Every
 * one is written atomically (tmp + rename): a reader sees it whole or not at all.
 */
export const loadgenFiles = {
  bundle: 'loadgen.mjs',
  executable: 'aifb-loadgen',
  /** The worker's: stage `s`'s LoadgenConfig. */
  stage: (s: number) => `stage-${s}.json`,
  /** A client's: it has read stage `s` and is idle, waiting for the go (StageReady). */
  ready: (s: number, c: number) => `ready-${s}-${c}.json`,
  /** The worker's: when stage `s` starts and on which clients (StageGo). */
  go: (s: number) => `go-${s}.json`,
  /** The worker's: end stage `s` now (a stop), or skip it when it has not started. */
  stop: (s: number) => `stop-${s}`,
  /** The worker's: no more stages; the clients exit 0. */
  done: 'done',
  progress: (s: number, c: number) => `progress-${s}-${c}.jsonl`,
  result: (s: number, c: number) => `result-${s}-${c}.json`,
  requests: (s: number, c: number) => `requests-${s}-${c}.jsonl`,
  /** A `command` client's own records of stage `s` (its `$AIFB_RECORDS`). */
  commandRecords: (s: number, c: number) => `command-records-${s}-${c}.jsonl`,
  dataset: 'dataset.jsonl',
  /** `vector-search` from files: the vectors, and the query vectors when given apart. */
  vectors: 'vectors.data',
  vectorQueries: 'vector-queries.data',
  trace: 'trace.jsonl',
} as const;

/** Files of a service job: the simulator's, and what the sidecar sampler writes (sampler.sh). */
export const serviceFiles = {
  simulatorBundle: 'simulator.mjs',
  simulatorExecutable: 'aifb-simulator',
  simulatorConfig: 'simulator-config.json',
  sampler: 'sampler.sh',
  proc: 'proc.csv',
  gpu: 'gpu.csv',
  gpuAbsent: 'gpu.absent',
  /** Service kind postgres: its start script (slurm-scripts/postgres.sh) and the password it draws. */
  postgresStart: 'postgres.sh',
  postgresPassword: 'pg-password',
} as const;

/**
 * How a job runs loadgen or the simulator: `sea`, the single executable (no Node on the node),
 * or `node`, the node found there running the bundle.
 */
export type JobRuntime = 'sea' | 'node';

/** The program's file name, the same in dist/ on the worker and in the job's folder. */
export function programFile(program: 'loadgen' | 'simulator', runtime: JobRuntime): string {
  if (program === 'loadgen') return runtime === 'sea' ? loadgenFiles.executable : loadgenFiles.bundle;
  return runtime === 'sea' ? serviceFiles.simulatorExecutable : serviceFiles.simulatorBundle;
}

/**
 * Files of the in-job log shipper (recipe `telemetry.directLokiUrl`, loadgen/log-ship.ts), in
 * any job that runs one: the worker's spec, and per task what the shipper has had accepted
 * (LogShipState, written atomically; the relay ships only past it) and its own messages.
 */
export const logShipFiles = {
  spec: 'logship.json',
  state: (task: number | string) => `logship-${task}.json`,
  log: (task: number | string) => `logship-${task}.log`,
} as const;

/**
 * The JobRef.id of the job a task runs in, from its environment: Slurm's array job id (what
 * sbatch answered) or job id, or the local executor's AIFB_JOB_ID.
 */
export function jobIdFromEnv(env: Record<string, string | undefined>): string | undefined {
  return env.SLURM_ARRAY_JOB_ID || env.SLURM_JOB_ID || env.AIFB_JOB_ID || undefined;
}

/** Where a job's task output lands in data/logs/<id>/: `<component>.log` and `.err.log`. */
export const logFiles = {
  stdout: (component: string) => `${component}.log`,
  stderr: (component: string) => `${component}.err.log`,
} as const;
