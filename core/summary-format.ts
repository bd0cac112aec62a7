/**
 * The stored summary format, whole: `summary.json` (aifb.summary/v3) and the stage summaries the
 * workflow returns and keeps in its history. Readers of old files rely on it: fields are only
 * ever added, and SUMMARY_SCHEMA names the version. Types only.
 *
 * v1 → v2: `concurrency` may be null, `latencyMs.itlPerToken`, rate/tokens/loadgen details.
 * v2 → v3: `environment` (where and on what it ran: nodes, CPUs, GPUs, job ids, versions, the
 * recipe hash) and `verdict` (references and regressions); nothing of v2 changed meaning.
 */
import type { CommandExit, LoadMode } from './loadgen-protocol';

export const SUMMARY_SCHEMA = 'aifb.summary/v3';

/** A latency distribution in ms, from an HDR histogram (see core/histograms.ts). */
export interface LatencySummary {
  count: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

/** Latency summaries in ms; null when nothing was recorded. */
export interface StageLatencies {
  /** Response times: from the intended send (open loop), the actual send (closed loop). */
  ttft: LatencySummary | null;
  e2e: LatencySummary | null;
  /** Per request: (E2E − TTFT) / (output tokens − 1), requests with ≥ 2 tokens. */
  tpot: LatencySummary | null;
  /** Per chunk, as vLLM: one gap per token-bearing chunk after the first. */
  itl: LatencySummary | null;
  /** Per token: a gap before a chunk of k tokens counts k times as gap / k. */
  itlPerToken: LatencySummary | null;
}

/**
 * A non-LLM workload's figures beyond requests, throughput and latency (which count its
 * operations as requests): per class, its counters, and the phases run before the stage clock.
 */
export interface WorkloadSummary {
  /** Per operation class (SQL query class, ...): ok/failed, ok per s over the window, E2E latency. */
  classes: Record<string, { ok: number; failed: number; perS: number; latencyMs: LatencySummary | null }>;
  /** Summed over measured ok operations (e.g. `items`, `tokens`), and per s over the window. */
  counters: Record<string, number>;
  countersPerS: Record<string, number>;
  /**
   * Ratios of summed counters (core/workload-summary.ts COUNTER_RATIOS), e.g. `recall` =
   * recallHits / recallPossible over the window's ok operations; null when the denominator is 0.
   * Present when a ratio's counters are (absent in older summaries).
   */
  ratios?: Record<string, number | null>;
  /**
   * Work done before the stage clock (vector insert, data load): items over all clients, the
   * longest client's time, items per s over that time, and the latency of its operations.
   */
  phases: Record<
    string,
    { items: number; failed: number; durationMs: number; itemsPerS: number; latencyMs: LatencySummary | null }
  >;
  /** `command`: how each client's command ended, and the records it wrote. */
  commands?: ({ client: number } & CommandExit)[];
}

export interface StageSummary {
  index: number;
  name: string;
  mode: LoadMode;
  /** In-flight limit of the stage (concurrency, or the cap); null for an uncapped open loop. */
  concurrency: number | null;
  /**
   * Open loop: the asked rate, what was sent (sends with their intended time in the window, per
   * s) and its error against the asked rate; `scheduled` is what the seeded schedule itself asked
   * for in the window (a Poisson count varies by ±1/√n around rate × window), and
   * `deliveryErrorPct` the sends against it: the generator's own shortfall. The asked rate is
   * the process's mean (gamma: its rate; bursts: size / period); a ramp's and a trace's is their
   * schedule's over each client's window, summed.
   */
  rate: {
    requestedPerS: number | null;
    achievedPerS: number;
    errorPct: number | null;
    scheduled: number | null;
    deliveryErrorPct: number | null;
  };
  bounds: { durationS: number | null; maxRequests: number | null; warmupS: number; cooldownS: number };
  clientsExpected: number;
  clientsReported: number;
  /** Wall-clock bounds of the measured window over all clients (epoch ms); set by collectMetrics. */
  window?: { startMs: number; endMs: number };
  /** The service's side over the window (Prometheus or the raw scrapes); see README "Live metrics". */
  server?: StageTelemetry['server'];
  /** CPU/memory of the service's process tree, GPUs, energy and J per output token. */
  system?: StageTelemetry['system'];
  /** Mean measured window across clients, seconds. */
  windowS: number;
  requests: {
    /** Sent in the measured window (intended send inside it). */
    sent: number;
    ok: number;
    failed: number;
    errors: Record<string, number>;
    /** Everything sent, warm-up and cool-down included, and its failures by kind. */
    sentTotal: number;
    errorsTotal: Record<string, number>;
    /**
     * Requests resent once on a fresh connection after a reused one closed before answering
     * (not failures), in the window and in all (added in v2 for real servers: absent in older files).
     */
    reconnects?: number;
    reconnectsTotal?: number;
  };
  throughput: { requestsPerS: number; outputTokensPerS: number; totalTokensPerS: number };
  /** Requests per second meeting every SLO; null when the recipe sets none. */
  goodput: { requestsPerS: number; fraction: number } | null;
  tokens: {
    input: number;
    output: number;
    streamChunks: number;
    usageMissing: number;
    /** Requests whose stream-side count differs from `usage` (see the loadgen README). */
    streamMismatch: number;
    /** Requests that got fewer tokens than max_tokens. */
    lengthShort: number;
    /** Whether exact lengths were asked for (min_tokens + ignore_eos). */
    exactOutputLength: boolean;
    // Added in v2 for real servers (absent in older files).
    /** Mean input length the dataset asked for, ok requests (words of a file prompt); null without any. */
    inputAskedMean?: number | null;
    /**
     * `usage.prompt_tokens` of ok requests: what the server counted (a chat template adds its
     * own tokens); null when no server reported it.
     */
    inputServed?: { mean: number; total: number; requests: number } | null;
    /** `usage.prompt_tokens_details.cached_tokens` summed; null when the server reported none. */
    cachedPromptTotal?: number | null;
  };
  latencyMs: StageLatencies;
  /** The same from the actual send: the server's share, without client-side queueing. */
  serviceTimeMs: { ttft: LatencySummary | null; e2e: LatencySummary | null };
  /** Actual − intended send of requests sent in the window (≈ 0 in closed loops). */
  scheduleLagMs: LatencySummary | null;
  /**
   * The server's own timing of the same requests (llama.cpp's `timings`), beside the client's
   * figures above; null when no request carried them (added in v2: absent in older files).
   */
  serverTimings?: ServerTimingsSummary | null;
  /** Non-LLM workloads (vector search, SQL, embeddings, http...): their own figures. */
  workload?: WorkloadSummary;
  /** The load generators' own load: CPU (1 = one core) and event-loop utilisation, worst client. */
  loadgen: {
    cpuCoresMax: number;
    eventLoopUtilizationMax: number;
    clampedValues: number;
    /** Each client's own figures (added in v2: absent in older files). */
    clients?: LoadgenClientFigures[];
  };
  /** Whether the stage measured what was asked (core/validity.ts; absent in older files). */
  validity?: StageValidity;
  // Added for sweeps, capacity searches and repeats (issue 16): absent in older files.
  /** Where the stage came from, when a sweep, a search or a repetition made it. */
  origin?: StageOrigin;
  /** The over-saturation detector's verdict, when it ended the stage early (core/oversaturation.ts). */
  oversaturation?: OversaturationVerdict;
}

/**
 * What made a stage: the recipe's stage `recipeStage` (at `recipeIndex` in workload.stages),
 * itself, or one of the stages its sweep or capacity search made (core/stage-plan.ts).
 */
export interface StageOrigin {
  recipeIndex: number;
  recipeStage: string;
  kind: 'stage' | 'sweep' | 'capacity-search';
  /** A sweep's synchronous and throughput measurements, its rates or concurrencies; a search's probes. */
  role?: 'synchronous' | 'throughput' | 'rate' | 'concurrency' | 'probe';
  /** 1-based, when workload.repeat runs the stages more than once. */
  repetition?: number;
  /** The stage's name without its repetition suffix: repetitions of one stage share it. */
  series: string;
  /** A capacity-search probe: what it tried (req/s or in flight) and whether it held. */
  probe?: ProbeVerdict;
}

export interface ProbeVerdict {
  value: number;
  passed: boolean;
  /** Why it failed (each broken SLO, validity rule, over-saturation), in words; empty when it passed. */
  why: string[];
}

/** One series' trend over the detector's window, in its unit per second. */
export interface Trend {
  points: number;
  slopePerS: number;
  /** The slope's one-sided lower confidence bound; null with too few points. */
  lowerBoundPerS: number | null;
  mean: number;
  /** The fitted rise over the window / the mean there. */
  growth: number;
  rising: boolean;
}

/** What the over-saturation detector saw over its window. */
export interface OversaturationVerdict {
  detected: boolean;
  /** Seconds into the stage (from its warm-up) of the newest sample. */
  atS: number;
  /** Span of the samples judged, s. */
  windowS: number;
  inFlight: Trend | null;
  ttftMs: Trend | null;
  /** In words: why it is (or is not) over-saturated. */
  reason: string;
}

/** llama.cpp's `timings` over a stage's ok requests in the window. */
export interface ServerTimingsSummary {
  source: 'llamacpp-timings';
  /** Requests whose last chunk carried `timings`. */
  requests: number;
  /** `predicted_per_token_ms`: the server's TPOT (generation time / generated tokens). */
  tpotMs: LatencySummary | null;
  /** `prompt_ms`: the server's prefill time. */
  promptMs: LatencySummary | null;
  /** Mean `prompt_n` (prompt tokens it processed, cached ones excluded) and `predicted_n`. */
  promptNMean: number;
  predictedNMean: number;
  /** `cache_n` summed (prompt tokens taken from its cache); null when the server sent none. */
  cacheNTotal: number | null;
}

export interface LoadgenClientFigures {
  index: number;
  cpuCores: number;
  eventLoopUtilization: number;
  /** Open loop: actual − intended send, p99; null where nothing was recorded. */
  scheduleLagP99Ms: number | null;
}

/** The rules a stage must meet to count (core/validity.ts). */
export type ValidityRule =
  | 'service-alive'
  | 'clients-reported'
  | 'error-rate'
  | 'requests-sent'
  | 'rate-achieved'
  | 'loadgen-saturated'
  /** A `command` client's own command failed (non-zero exit, or killed by a signal aifb did not send). */
  | 'client-command'
  /** The over-saturation detector ended it: queueing grew without bound (issue 16). */
  | 'over-saturated';

export interface ValidityFailure {
  rule: ValidityRule;
  /** What was wrong, with its figures, in words. */
  message: string;
  figures: Record<string, number | string | null>;
}

export interface StageValidity {
  valid: boolean;
  failures: ValidityFailure[];
}

export interface BenchmarkSummary {
  schema: typeof SUMMARY_SCHEMA;
  benchmarkId: string;
  recipeName: string;
  /**
   * stopped: ended early by the stop signal; invalid: it ran, but a stage broke a validity rule
   * (`invalid` lists them); failed/cancelled: the stages that finished are kept.
   */
  status: 'completed' | 'stopped' | 'invalid' | 'failed' | 'cancelled';
  /** One line per failed validity rule, e.g. `stage c8: service-alive: ...` (status invalid). */
  invalid?: string[];
  /**
   * How long the first stage waited for its clients: from the one clients job's submission until
   * all were ready (Slurm queue + start-up). Never part of any stage's window.
   */
  clientsQueueWaitMs?: number;
  startedAt: string;
  finishedAt: string;
  executor: string;
  /** `deployment`: the deployment that served it (the run neither started nor stopped it). */
  service: {
    kind: string;
    model: string;
    endpoint: string | null;
    identity?: ServiceIdentity;
    /** Queue wait and start-up of the service job (absent for external services and deployments). */
    timing?: ServiceTiming;
    deployment?: string;
  };
  stages: StageSummary[];
  /** Where the worker that collected the results ran. */
  collectedOn: { hostname: string; cpus: number; node: string };
  error?: string;
  /** Where and on what it ran, as the jobs saw it (added in v3: absent in older files). */
  environment?: RunEnvironment;
  /** The figures against their references; absent when the recipe names none (added in v3). */
  verdict?: Verdict;
  // Added for sweeps, capacity searches and repeats (issue 16): absent in older files and in
  // runs without them.
  /** Each capacity search's outcome (one per repetition). */
  searches?: CapacitySearchResult[];
  /** Each sweep's measured bounds and the rates it ran (one per repetition). */
  sweeps?: SweepResult[];
  /** workload.repeat above 1: each figure's mean with its 95% Student-t interval. */
  repeats?: RepeatSummary;
}

/** What two results must share to be compared knowingly (README "Environment"). */
export interface RunEnvironment {
  /** The aifb that ran it: package version, git commit of the worker's checkout (null outside git). */
  aifb: { version: string; commit: string | null; node: string };
  /**
   * `sha256:<hex>` of the recipe as run (defaults filled in, keys sorted), without `references`
   * and `description`: two runs with the same hash asked for the same thing.
   */
  recipeHash: string;
  /** What served, in short (service.identity has it whole). */
  service: { kind: string; model: string; version: string | null; models: string[] };
  /** Distinct hostnames of every job's tasks, service first. */
  nodes: string[];
  /** Each job of the run (and the deployment's service job that served it), with its tasks' facts. */
  jobs: JobEnvironment[];
  /** What could not be read (a job whose facts file is missing, a git that failed...). */
  problems?: string[];
}

export interface JobEnvironment {
  role: 'service' | 'clients' | 'image' | 'deployment-service';
  name: string;
  /** The executor's id: the Slurm job id (the array's id for clients), or local-<...>. */
  id: string;
  executor: string;
  /** One per task that wrote its facts (a clients array: one per client). */
  tasks: NodeFacts[];
}

/** Written by slurm-scripts/facts.sh inside the job, on the node that ran it. */
export interface NodeFacts {
  task: number;
  hostname: string;
  cpuModel: string | null;
  /** CPUs the task may use (nproc: its affinity) and the node's online CPUs. */
  cpus: number | null;
  nodeCpus: number | null;
  memoryBytes: number | null;
  os: string | null;
  kernel: string | null;
  gpus: GpuFacts | { absent: string };
  /** Slurm's view of the task; null off Slurm. */
  slurm: SlurmFacts | null;
}

export interface GpuFacts {
  count: number;
  /** Distinct models, e.g. ["NVIDIA A100-SXM4-40GB"]. */
  models: string[];
  /** Driver version (the first GPU's; one node has one driver). */
  driver: string | null;
  list: { index: number; name: string; memoryMiB: number | null; uuid: string | null }[];
}

export interface SlurmFacts {
  jobId: string;
  arrayJobId: string | null;
  arrayTaskId: string | null;
  nodeList: string | null;
  partition: string | null;
  cluster: string | null;
}

export type ReferenceSource = 'recipe' | 'refs-file' | 'last-good' | 'baseline';

/** A reference in ReFrame's style: lower/upper are fractions of |value|, null = unbounded. */
export interface ReferenceValue {
  value: number;
  lower: number | null;
  upper: number | null;
  unit: string;
  /** The reference's own 95% interval (a repeated reference run): the bounds widen to its ends. */
  interval?: { low: number; high: number };
}

export interface ReferenceCheck {
  stage: string;
  /** Figure path in the stage summary (`latencyMs.ttft.p99`); `*` for a stage the result lacks. */
  figure: string;
  label: string;
  unit: string;
  /** Measured value (the mean, for an interval); null when the result lacks it. */
  value: number | null;
  interval?: { low: number; high: number };
  reference: ReferenceValue;
  /** Where the figure may be; null = unbounded (JSON has no Infinity). */
  bounds: { low: number | null; high: number | null };
  source: ReferenceSource;
  /** The run the reference came from (last good, baseline). */
  from?: string;
  pass: boolean;
  /** Why it failed, in words; `ok` when it passed. */
  reason: string;
}

export interface Verdict {
  /** pass: every check passed; fail: one did not (a regression); none: nothing was checked. */
  outcome: 'pass' | 'fail' | 'none';
  checked: number;
  failed: number;
  checks: ReferenceCheck[];
  /** What could not be used, e.g. "no earlier good run of this recipe". */
  notes: string[];
}

/** What a capacity search found (core/capacity-search.ts). */
export interface CapacitySearchResult {
  /** The recipe stage's name; its probes are `<stage>-1`, `<stage>-2`, ... */
  stage: string;
  repetition?: number;
  vary: 'rate' | 'concurrency';
  /** `req/s` (rate) or `in flight` (concurrency). */
  unit: string;
  /**
   * found: bracketed within the tolerance; max-reached: the recipe's `max` passed;
   * none-passed: even the lowest probe failed; probes-exhausted: maxProbes ran out first;
   * stopped: the run ended before the search did.
   */
  status: 'found' | 'max-reached' | 'none-passed' | 'probes-exhausted' | 'stopped';
  /** The highest value that passed below the lowest that failed; null when none passed. */
  capacity: number | null;
  lowestFailed: number | null;
  /** The SLOs each probe was held to: metric -> percentile -> ms. */
  slo: Record<string, Record<string, number>>;
  tolerance: number;
  probes: ({ stage: string } & ProbeVerdict)[];
  /** What theory says the capacity is, when it can (the simulator: its slots / service time). */
  expected?: { capacity: number; basis: string };
}

/** A sweep's stages; `synchronousPerS`/`throughputPerS` for a `steps` sweep (null when unmeasured). */
export interface SweepResult {
  stage: string;
  repetition?: number;
  synchronousPerS: number | null;
  throughputPerS: number | null;
  /** The open-loop rates it ran, or the concurrencies, in order. */
  rates: number[];
  concurrencies: number[];
  stages: string[];
  /** Why it made fewer stages than asked (e.g. the throughput stage did not run). */
  note?: string;
}

/**
 * A mean over repetitions with its two-sided Student-t interval: mean ± t(1 − α/2, n − 1) · s/√n.
 * `halfWidth`, `low`, `high` and `stdev` are null for a single value.
 */
export interface Interval {
  n: number;
  mean: number;
  stdev: number | null;
  halfWidth: number | null;
  low: number | null;
  high: number | null;
}

/** The figures averaged over repetitions (core/repeats.ts REPEAT_FIGURES says how each is read). */
export type RepeatFigure =
  | 'requestsPerS'
  | 'outputTokensPerS'
  | 'goodputPerS'
  | 'errorPct'
  | 'ttftP50Ms'
  | 'ttftP99Ms'
  | 'tpotP50Ms'
  | 'tpotP99Ms'
  | 'itlP50Ms'
  | 'itlP99Ms'
  | 'e2eP50Ms'
  | 'e2eP99Ms';

export interface RepeatSummary {
  count: number;
  /** Whether each repetition had a fresh deployment. */
  fresh: boolean;
  /** 0.95 */
  confidence: number;
  /** Per stage series (the name without `-rep<k>`): its repetitions and each figure's interval. */
  stages: { series: string; stages: string[]; figures: Partial<Record<RepeatFigure, Interval>> }[];
  /** Per capacity search: the capacity's interval over the repetitions that found one. */
  searches: { stage: string; capacity: Interval | null }[];
}

/** The service job's clocks: the queue is not the service's time (README "Queue-aware clocks"). */
export interface ServiceTiming {
  /** Submitted (first seen by the health wait) until the scheduler ran it. */
  queueWaitMs: number;
  /** Running until it answered its readiness checks (what health.timeout bounds). */
  startupMs: number;
  /** The scheduler's reason while it pended (Slurm's, e.g. Resources, Priority, JobHeldUser). */
  pendingReason?: string;
}

/** What was serving, as the service itself said when it became ready. */
export interface ServiceIdentity {
  kind: string;
  /** The model name the requests carried. */
  requestedModel: string;
  /** `/v1/models`: each id with its metadata (llama.cpp `meta`, vLLM `max_model_len`/`root`...). */
  models: ({ id: string } & Record<string, unknown>)[];
  /** The server's version (vLLM /version, llama.cpp /props build_info, Ollama /api/version). */
  version: string | null;
  /** What could not be read. */
  problems?: string[];
}

/** Wall-clock bounds of a measured window (epoch ms). */
export interface Window {
  startMs: number;
  endMs: number;
}

/** Mean and max of a series over a window; null where there was no sample. */
export interface MeanMax {
  mean: number | null;
  max: number | null;
}

/**
 * The service's own view of a stage's window: only what it exports itself (via Prometheus).
 * CPU, memory and GPU come from aifb's sampler and are in `system`: one figure per source.
 */
export interface ServerAggregates {
  source: 'prometheus';
  windowStartMs: number;
  windowEndMs: number;
  runningRequests: MeanMax;
  waitingRequests: MeanMax;
  /** 0-1 */
  kvCacheUsage: MeanMax;
}

/** The same from the raw scrape copy (service-metrics.jsonl) when no Prometheus is set. */
export interface ScrapeAggregates extends Omit<ServerAggregates, 'source'> {
  source: 'scrapes';
  scrapes: number;
}

export interface ProcessAggregates {
  samples: number;
  /** CPU use of the process tree in cores (1.0 = one core busy), from CPU-time deltas. */
  cpuCoresMean: number | null;
  cpuCoresMax: number | null;
  rssMaxBytes: number | null;
}

export interface GpuAggregates {
  gpus: number;
  samples: number;
  utilizationMeanPct: number | null;
  utilizationMaxPct: number | null;
  memoryUsedMaxMiB: number | null;
  powerMeanW: number | null;
  /** Energy of all GPUs over the window (trapezoid rule per GPU); null when power is unknown. */
  energyJ: number | null;
}

/** A stage's `server` and `system` parts. */
export interface StageTelemetry {
  server: ServerAggregates | ScrapeAggregates | { unavailable: string };
  system:
    | {
        process: ProcessAggregates;
        gpu: GpuAggregates | { absent: string };
        /** Energy of the service node's GPUs over the window; null when power is unknown. */
        energyJ: number | null;
        joulesPerOutputToken: number | null;
      }
    | { unavailable: string };
}
