/**
 * The contract between the worker (activities) and the load generator that runs inside
 * client jobs. Everything here crosses a process (and often a machine) boundary as JSON,
 * so it is versioned and kept free of functions and classes.
 */

/** A non-negative distribution, in the unit its field names (ms or tokens). stdev 0 = constant. */
export interface Distribution {
  mean: number;
  stdev?: number;
  min?: number;
  max?: number;
}

export interface SyntheticDataset {
  inputTokens: Distribution;
  outputTokens: Distribution;
}

/** Service-level objectives a request must meet to count towards goodput (all in ms). */
export interface Slo {
  ttftMs?: number;
  tpotMs?: number;
  itlMs?: number;
  e2eMs?: number;
}

/**
 * The load of one stage, for the whole stage (all clients together). Each client takes an exact
 * share: concurrencies and request counts split with `clientShare`, rates divided by the count.
 */
export type StageLoad =
  /** One request at a time (client 0 sends; other clients idle). */
  | { mode: 'synchronous' }
  /** Closed loop: this many requests in flight, each sent when the previous one ended. */
  | { mode: 'concurrency'; concurrency: number }
  /** Everything at once: as many requests as `maxConcurrency` allows, refilled as they end. */
  | { mode: 'throughput'; maxConcurrency: number }
  /**
   * Open loop: sends at precomputed times (evenly spaced, or exponential gaps) whatever the
   * responses do. With `maxConcurrency`, a send waits for a free slot and the wait shows as
   * schedule lag and in the response time.
   */
  | { mode: 'constant' | 'poisson'; rate: number; maxConcurrency?: number }
  /**
   * Open loop, gamma-distributed gaps with mean 1/rate: `burstiness` is the gamma shape, as in
   * `vllm bench serve --burstiness` (1 = Poisson, below 1 burstier, above 1 more even).
   */
  | { mode: 'gamma'; rate: number; burstiness: number; maxConcurrency?: number }
  /** Open loop: `burstSize` requests at once every `periodMs`, the first burst at the start. */
  | { mode: 'bursts'; burstSize: number; periodMs: number; maxConcurrency?: number }
  /**
   * Open loop, evenly spaced at a rate rising (or falling) linearly from `fromRate` at the
   * stage's start to `toRate` at the end of its measured window (warm-up + duration).
   */
  | { mode: 'ramp'; fromRate: number; toRate: number; maxConcurrency?: number }
  /**
   * Open loop at the trace's own times (`dataset.trace`): each line is sent at its timestamp
   * (from the trace's first) divided by `speed`; the stage ends with the trace.
   */
  | { mode: 'trace'; speed: number; maxConcurrency?: number };

export type LoadMode = StageLoad['mode'];

/** The open-loop modes: sends at a seeded schedule's times, whatever the responses do. */
export const OPEN_LOOP_MODES = ['constant', 'poisson', 'gamma', 'bursts', 'ramp', 'trace'] as const;
export type OpenLoopLoad = Extract<StageLoad, { mode: (typeof OPEN_LOOP_MODES)[number] }>;
export const isOpenLoop = (load: StageLoad): load is OpenLoopLoad =>
  (OPEN_LOOP_MODES as readonly string[]).includes(load.mode);

export interface StageTiming {
  /** Excluded from the measured window at the start. */
  warmupMs: number;
  /** The measured window; absent = bounded by `maxRequests` only. */
  durationMs?: number;
  /** Sending stops after warmup + duration; in-flight requests get this long to finish. */
  cooldownMs: number;
  /** Requests the whole stage sends (warm-up included), split exactly over the clients. */
  maxRequests?: number;
}

/** Prompts from a JSONL file uploaded beside the config as `dataset.jsonl`. */
export interface FileDataset {
  /** `prompts`: {"prompt": "..."} (or a bare JSON string) per line; `sharegpt`: {"conversations": [...]} */
  format: 'prompts' | 'sharegpt';
  /** File name inside the job folder. */
  file: string;
  /** Output length when a line does not give one (`max_tokens`, or ShareGPT's reply length). */
  outputTokens?: Distribution;
}

/**
 * A request trace uploaded beside the config as `trace.jsonl` (core/trace.ts): per line a
 * timestamp, input and output lengths, and optionally the hash ids of shared prefix blocks.
 */
export interface TraceDataset {
  format: 'mooncake';
  /** File name inside the job folder. */
  file: string;
  /** Words per hash block (Mooncake's traces use 512 tokens). */
  blockSize: number;
}

/**
 * Multi-turn chat sessions: every request is a turn that carries the conversation so far (the
 * earlier user turns and the assistant's replies as they were returned).
 */
export interface SessionSpec {
  /** Turns per session. */
  turns: number;
  /** Wait after a reply before the session's next turn may go (ms); absent = none. */
  thinkTimeMs?: Distribution;
}

/** `groups` system prompts of `words` words each; every request (or session) uses one of them. */
export interface SharedPrefixSpec {
  groups: number;
  words: number;
}

export interface DatasetSpec {
  synthetic?: SyntheticDataset;
  file?: FileDataset;
  trace?: TraceDataset;
  sessions?: SessionSpec;
  sharedPrefix?: SharedPrefixSpec;
  seed: number;
  /**
   * Ask for exactly `max_tokens` tokens (`min_tokens` + `ignore_eos`, which vLLM, llama.cpp and
   * the simulator honour). False: only `max_tokens` is sent; the summary says so.
   */
  exactOutputLength: boolean;
}

/**
 * How the load generator keeps the server's prompt (prefix) cache from serving its prompts
 * (recipe `workload.promptCache: false`). `allow`: nothing (the server caches as it would);
 * `cache_prompt_false`: llama.cpp's `cache_prompt: false` in every body; `unique_prefix`: a
 * prefix no other request shares on every prompt, for servers without such a switch.
 */
export type PromptCachePolicy =
  | { mode: 'allow' }
  | { mode: 'cache_prompt_false' }
  | { mode: 'unique_prefix' };

/**
 * llama.cpp's own account of one request, from the `timings` object of its last streamed chunk
 * (ms and tokens as llama-server measured them). `cacheN`: prompt tokens it took from its cache
 * (recent versions only).
 */
export interface ServerTimings {
  promptN: number;
  promptMs: number;
  predictedN: number;
  predictedMs: number;
  predictedPerTokenMs: number;
  cacheN?: number;
}

/**
 * What a client sends. The LLM kinds (`openai-chat`, `openai-completions`) stream completions
 * and use `dataset`; every other kind takes its settings from `LoadgenConfig.workload`.
 */
export const WORKLOAD_KINDS = [
  'openai-chat',
  'openai-completions',
  'openai-embeddings',
  'http',
  'command',
  'sql',
  'vector-search',
] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];
export const LLM_WORKLOADS = ['openai-chat', 'openai-completions'] as const;
export type LlmWorkloadKind = (typeof LLM_WORKLOADS)[number];
export const isLlmWorkload = (kind: WorkloadKind): kind is LlmWorkloadKind =>
  (LLM_WORKLOADS as readonly string[]).includes(kind);

/** A value drawn per request from a seeded sequence (http body templates). */
export type TemplateVariable =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'choice'; values: string[] }
  | { kind: 'uuid' }
  | { kind: 'sequence' };

/** `http`: one plain request per operation, any method, a templated body. */
export interface HttpWorkloadSettings {
  kind: 'http';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Path (and query) on the service's base URL; `{{name}}` slots are filled from `variables`. */
  path: string;
  headers: Record<string, string>;
  /** Body with `{{name}}` slots (JSON-escaped when `json`); absent = no body. */
  body?: string;
  /** The body is JSON: slot values are inserted as JSON strings/numbers. */
  json: boolean;
  variables: Record<string, TemplateVariable>;
  /** Status codes that count as success (default 200-299). */
  expectStatus: number[] | null;
}

/** `openai-embeddings`: batches of synthetic inputs to `/v1/embeddings`. */
export interface EmbeddingsWorkloadSettings {
  kind: 'openai-embeddings';
  /** Inputs per request. */
  batchSize: Distribution;
  /** Words per input (the simulator's tokens; real servers report theirs in `usage`). */
  inputTokens: Distribution;
  encodingFormat: 'float' | 'base64';
  /** Asked-for vector length (`dimensions`), for models that can shorten theirs. */
  dimensions?: number;
}

/**
 * `command`: the user's own client, run once per stage in each client job (argv, no shell),
 * with the service's address and its share of the load in its environment. It may write
 * `CommandRecord` lines to `$AIFB_RECORDS`; its exit status counts either way.
 */
export interface CommandWorkloadSettings {
  kind: 'command';
  argv: string[];
  /** Extra environment (values as given: never through a shell). */
  env: Record<string, string>;
}

/** One line of `$AIFB_RECORDS`, written by a `command` client per request it made. */
export interface CommandRecord {
  /** When the request was sent and when it ended (epoch ms, fractions allowed). */
  start: number;
  end: number;
  ok: boolean;
  /** The failure's kind (default `command_error`). */
  error?: string;
  /** A class of requests, reported separately (e.g. `read`, `write`). */
  class?: string;
  /** Numbers summed over measured ok requests (e.g. `items`, `tokens`). */
  counters?: Record<string, number>;
}

/** The built-in SQL classes, on the seeded table `aifb_items` (see loadgen/drivers/sql-schema.ts). */
export const SQL_BUILTIN_CLASSES = ['point-select', 'range', 'insert', 'update'] as const;
export type SqlBuiltinClass = (typeof SQL_BUILTIN_CLASSES)[number];

/** One statement of a user's transaction: `$1`, `$2`... are filled, as bind parameters, from `params`. */
export interface SqlStatement {
  sql: string;
  /** The variable (`SqlWorkloadSettings.variables`) bound to each placeholder, `$1` first. */
  params: string[];
}

/**
 * `sql` (PostgreSQL): each operation is one transaction of a class drawn from `mix`. A class is
 * built-in (on the table loaded before the stage) or the user's own list of statements.
 */
export interface SqlWorkloadSettings {
  kind: 'sql';
  user: string;
  database: string;
  /**
   * The service's password: written by the worker into the client's stage file from the
   * postgres job's folder (never in a recipe or the workflow's history).
   */
  password?: string;
  /** Rows of `aifb_items`, created and loaded once per benchmark before the first stage (0: none). */
  rows: number;
  /** Characters of each row's `pad` column. */
  padBytes: number;
  /** Rows a `range` query reads. */
  rangeSize: number;
  /** Relative weight of each class run (built-in names, or the user's transaction names). */
  mix: Record<string, number>;
  /** Drawn once per operation (seeded), bound to the user's statements' placeholders. */
  variables: Record<string, TemplateVariable>;
  /** The user's own classes: statements run as one transaction (BEGIN ... COMMIT if several). */
  transactions: Record<string, SqlStatement[]>;
  /**
   * Connections of an open-loop stage without maxConcurrency, over all clients (split like the
   * stage's concurrency); otherwise a client has one connection per transaction in flight.
   */
  connections: number;
}

/** How near two vectors are: cosine (1 − cos), l2 (Euclidean), ip (1 − dot product). */
export const VECTOR_DISTANCES = ['cosine', 'l2', 'ip'] as const;
export type VectorDistance = (typeof VECTOR_DISTANCES)[number];
/** The vector databases whose API the `vector-search` driver speaks. */
export const VECTOR_ENGINES = ['chroma', 'qdrant'] as const;
export type VectorEngine = (typeof VECTOR_ENGINES)[number];

/**
 * A seeded Gaussian mixture: `clusters` centres uniform in [-1, 1]^dimension, each point a centre
 * plus `spread` × N(0, 1) per coordinate (values rounded to 4 decimals), seeded by the workload's
 * `seed`. Queries are drawn from the same mixture on a stream of their own.
 */
export interface SyntheticVectors {
  kind: 'synthetic';
  size: number;
  dimension: number;
  clusters: number;
  spread: number;
}

/**
 * Vectors from a file uploaded into the job folder: `jsonl` (a JSON array of numbers, or
 * `{"vector": [...], "metadata": {...}}`, per line) or `fvecs` (little-endian int32 dimension,
 * then that many float32, per vector). Without a query file the last `queries` vectors are the
 * queries and are not inserted.
 */
export interface VectorFile {
  kind: 'file';
  file: string;
  format: 'jsonl' | 'fvecs';
  queriesFile?: string;
}

export const VECTOR_FILTER_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'] as const;
export type VectorFilterOp = (typeof VECTOR_FILTER_OPS)[number];

/**
 * Filtered search: every query keeps only vectors whose metadata `field` compares to a value.
 * Synthetic vectors carry `field` as an integer drawn in [0, values); file vectors carry what
 * their line's `metadata` says. `value` absent: each query draws its own from [0, values).
 */
export interface VectorFilter {
  field: string;
  values: number;
  op: VectorFilterOp;
  value?: number;
}

/**
 * `vector-search`: the clients insert the data set (each its share, once), then each operation
 * is one k-nearest-neighbour query whose answer is scored against exact neighbours (recall@k).
 */
export interface VectorWorkloadSettings {
  kind: 'vector-search';
  engine: VectorEngine;
  /** Absent: `aifb-<hash of data set, distance and index settings>`, the same on every client. */
  collection?: string;
  data: SyntheticVectors | VectorFile;
  /** Size of the query set; each client asks its own part (query j goes to client j mod n). */
  queries: number;
  distance: VectorDistance;
  k: number;
  /** Seeds the synthetic data and the queries' filter values. */
  seed: number;
  /** Each client inserts its share in batches of `batchSize`, `concurrency` batches at a time. */
  insert: { batchSize: number; concurrency: number };
  filter?: VectorFilter;
  /** HNSW settings passed to the engine where given (its defaults otherwise). */
  index: { m?: number; efConstruction?: number; efSearch?: number };
  /** A returned vector counts when its distance is within the k-th true one + this (ann-benchmarks: 1e-3). */
  recallEpsilon: number;
  /** How long the index may take to be reported complete after the insert (where it is reported). */
  indexTimeoutMs: number;
}

/** Per-kind settings of the non-LLM workloads (absent for the LLM kinds). */
export type WorkloadSettings =
  | HttpWorkloadSettings
  | EmbeddingsWorkloadSettings
  | CommandWorkloadSettings
  | SqlWorkloadSettings
  | VectorWorkloadSettings;

/**
 * What a non-LLM workload reports beyond the common counters and histograms (the measured
 * window unless said otherwise). All of it merges across clients without the raw requests.
 */
export interface WorkloadResult {
  /**
   * Per operation class (SQL query class, vector `query`/`insert`...): counts and the E2E
   * latency histogram of its ok operations (encoded as in EncodedHistograms).
   */
  classes?: Record<string, { ok: number; failed: number; e2e: string }>;
  /** Summed over measured ok operations (e.g. `items`, `tokens`, `recallHits`); merged by sum. */
  counters?: Record<string, number>;
  /**
   * Work done before the stage clock started (vector insert, SQL data load), per client:
   * items done, time taken, failures, and the latency of its operations. Merged: items and
   * failures summed, the duration the longest client's (they run at once).
   */
  phases?: Record<string, { items: number; failed: number; durationMs: number; e2e?: string }>;
  /** `command`: how the client's command ended and how many records it wrote. */
  command?: CommandExit;
}

export interface CommandExit {
  /** Its exit status; null when a signal ended it. */
  code: number | null;
  signal: string | null;
  /** aifb ended it (the stage's end plus cooldown passed, or a stop): not the command's failure. */
  endedByAifb: boolean;
  /** Lines of `$AIFB_RECORDS` read (0: it wrote none; its logs are all there is). */
  records: number;
  /** Lines that were not valid records (skipped; the first is in the client's log). */
  badRecords: number;
}

/** Written by the worker as `loadgen-config.json` in the client job's folder. */
export interface LoadgenConfig {
  version: 2;
  benchmarkId: string;
  stageIndex: number;
  stageName: string;
  /** e.g. http://10.0.0.5:8000 — reachable from the client job. */
  baseUrl: string;
  api: WorkloadKind;
  /** Settings of a non-LLM workload kind (`api`); absent for the LLM kinds. */
  workload?: WorkloadSettings;
  model: string;
  /** How many client processes share this stage's load. */
  clientCount: number;
  load: StageLoad;
  timing: StageTiming;
  dataset: DatasetSpec;
  requestTimeoutMs: number;
  temperature?: number;
  /** Merged into every request body (e.g. top_p); a null value removes a field loadgen sets. */
  extraBody?: Record<string, unknown>;
  /** Name of an environment variable holding a bearer token (never the token itself). */
  apiKeyEnv?: string;
  /** Absent (older configs) = `{ mode: 'allow' }`. */
  promptCache?: PromptCachePolicy;
  slo?: Slo;
  /** Write `requests-<i>.jsonl`, one record per request. */
  recordRequests?: boolean;
  /** Spin the event loop for the whole run (recipe `workload.clients.busyPoll`). */
  busyPoll?: boolean;
  /** How often a progress snapshot is appended (default 1000). */
  progressIntervalMs?: number;
  /**
   * Where the nodes can reach Pushgateway (recipe `telemetry.directPushUrl`): the client pushes
   * its own live metrics to `<url>/metrics/job/aifb/benchmark/<id>/stage/<k>/component/<prefix><i>`.
   */
  directPush?: { url: string; componentPrefix: string; recipe: string };
}

/** One line of `progress-<i>.jsonl`: cumulative since the client started. */
export interface ProgressSnapshot {
  version: 2;
  benchmarkId: string;
  stageIndex: number;
  clientIndex: number;
  /** Wall clock (epoch ms) when the snapshot was taken. */
  timeMs: number;
  elapsedMs: number;
  phase: 'warmup' | 'measuring' | 'cooldown' | 'done';
  sent: number;
  ok: number;
  failed: number;
  inFlight: number;
  outputTokens: number;
  /** Failures since the client started, by kind (as in ClientResult.total.errors). */
  errors: Record<string, number>;
  /**
   * Over the requests completed so far in the measured window (ms; null before any). The relay
   * pushes every `<name>P<q>Ms` field as aifb_client_<name>_seconds{quantile="0.<q>"}.
   */
  ttftP50Ms: number | null;
  ttftP90Ms: number | null;
  ttftP99Ms: number | null;
  tpotP50Ms: number | null;
  tpotP99Ms: number | null;
  itlP50Ms: number | null;
  itlP99Ms: number | null;
  e2eP50Ms: number | null;
  e2eP99Ms: number | null;
  scheduleLagP50Ms: number | null;
  scheduleLagP99Ms: number | null;
  /** CPU the client used since the previous snapshot, in cores (1 = one core busy). */
  cpuCores: number;
  /**
   * TTFT of every ok request since the client started (warm-up included): how many and their sum
   * in ms, so two snapshots give the mean TTFT of what completed between them (the
   * over-saturation detector's TTFT series, core/oversaturation.ts). Absent in older clients.
   */
  ttftCount?: number;
  ttftSumMs?: number;
}

/**
 * HDR histograms as produced by hdr-histogram-js `encodeIntoCompressedBase64`,
 * values recorded in MICROseconds (integers), 3 significant digits.
 * TTFT and E2E are response times: from the INTENDED send time (the schedule's, open loop; the
 * actual send, closed loop). The `*Service` ones are from the actual send.
 */
export interface EncodedHistograms {
  ttft: string;
  e2e: string;
  /** Per-chunk inter-token latency (vLLM's ITL), pooled over requests, first chunk excluded. */
  itl: string;
  /** Per-token ITL: a gap before a chunk of k tokens counts k times as gap / k. */
  itlPerToken: string;
  tpot: string;
  ttftService: string;
  e2eService: string;
  /** Actual send − intended send, every request sent in the window (0 in closed loops). */
  scheduleLag: string;
  /**
   * llama.cpp's own figures from its `timings` (absent in older results): `predicted_per_token_ms`
   * (its TPOT) and `prompt_ms` (its prefill), requests that reported them.
   */
  serverTpot?: string;
  serverPromptMs?: string;
}

export type HistogramName = keyof EncodedHistograms;

/** One line of `requests-<i>.jsonl` (times in ms, relative to the client's stage start). */
export interface RequestRecord {
  stage: number;
  client: number;
  seq: number;
  /**
   * Sent as the request's `x-request-id` header (vLLM logs it; the simulator's timing log
   * records it), so a record can be joined with the server's view of the same request.
   */
  id: string;
  intendedMs: number;
  sentMs: number;
  measured: boolean;
  ok: boolean;
  error?: string;
  ttftMs?: number | null;
  e2eMs?: number;
  tpotMs?: number | null;
  outputTokens?: number;
  inputTokens?: number;
  streamChunks?: number;
  /** Arrival of each token-bearing chunk, ms after `sentMs` (ok requests). */
  chunkMs?: number[];
  /** LLM kinds: the `max_tokens` asked for. */
  maxTokens?: number;
  /** Non-LLM kinds: the operation's class (WorkloadResult.classes). */
  class?: string;
  /** The input length the dataset asked for (words of a file prompt). */
  askedInputTokens?: number;
  /** `usage.prompt_tokens_details.cached_tokens`, when the server said. */
  cachedTokens?: number;
  /** llama.cpp's `timings` for this request, when it sent them. */
  serverTimings?: ServerTimings;
  /**
   * The first send, on a reused connection, was closed before any response: the request was
   * sent again on a fresh one. `sentMs` is that second send; this is the first.
   */
  firstSentMs?: number;
}

/** `result-<i>.json`, written once when the client finishes. */
export interface ClientResult {
  version: 2;
  benchmarkId: string;
  stageIndex: number;
  clientIndex: number;
  startedAtMs: number;
  endedAtMs: number;
  /** Measured window in wall-clock epoch ms (warmup/cooldown excluded). */
  windowStartMs: number;
  windowEndMs: number;
  /** This client's share of the stage's load. */
  share: { concurrency: number | null; ratePerS: number | null; maxRequests: number | null };
  /** Open loop: sends the schedule asked for in the window (the rest went unsent); null otherwise. */
  scheduled: number | null;
  /** Requests whose send time fell in the measured window. */
  measured: {
    /** Sent (ok, failed or still running at the end). */
    sent: number;
    ok: number;
    failed: number;
    /** By kind: `http_<status>`, `timeout`, `connection_refused`, `connection_reset`, `connection`, `malformed_stream`, `early_stop`, `stream_error`, `aborted`, `other`. */
    errors: Record<string, number>;
    inputTokens: number;
    outputTokens: number;
    /** Token-bearing chunks counted from the stream. */
    streamChunks: number;
    /** Completed requests where the server sent no `usage`. */
    usageMissing: number;
    /** Requests whose stream-side token count (per-chunk usage, else chunks) differs from `usage`. */
    streamMismatch: number;
    /** Requests that got fewer output tokens than `max_tokens` asked for. */
    lengthShort: number;
    /** Requests meeting every SLO in the config (all ok requests when there is none). */
    goodOk: number;
    // Added for real servers (issue 13); absent in older results.
    /**
     * Requests sent again on a fresh connection because the reused one closed before any
     * response (llama-server closes after every response while announcing keep-alive). Not
     * failures; a request whose second send failed too counts as that failure as well.
     */
    reconnects?: number;
    /** Input tokens the dataset asked for, summed over ok requests (words of a file prompt). */
    inputTokensAsked?: number;
    /** `usage.prompt_tokens` summed (the server's count: chat template included), and how many requests said. */
    inputTokensServed?: number;
    inputTokensServedRequests?: number;
    /** `usage.prompt_tokens_details.cached_tokens` summed, and how many requests said. */
    cachedTokens?: number;
    cachedTokensRequests?: number;
    /** llama.cpp `timings` counts, summed over the requests that carried them. */
    serverTimings?: {
      requests: number;
      promptN: number;
      predictedN: number;
      cacheN: number;
      cacheNRequests: number;
    };
  };
  /** Everything sent, including warmup and cooldown (`reconnects`: absent in older results). */
  total: { sent: number; ok: number; failed: number; errors: Record<string, number>; reconnects?: number };
  histograms: EncodedHistograms;
  /** Non-LLM workloads: per-class figures, counters and preparation phases (absent otherwise). */
  workload?: WorkloadResult;
  /** The client's own load: CPU time over wall time (1 = one core), event-loop utilisation. */
  loadgen: {
    cpuMs: number;
    wallMs: number;
    eventLoopUtilization: number;
    clamped: number;
    /** V8 heap bytes the process allocated from the stage's start to its result (loadgen/alloc-meter.ts). */
    heapAllocatedBytes?: number;
  };
}

/**
 * The in-job log shipper's spec (`logship.json` in the job folder, written by the worker when
 * the recipe sets `telemetry.directLokiUrl`): where to push and how the task's streams are named.
 */
export interface LogShipSpec {
  version: 1;
  /** Loki's base URL as the compute nodes reach it. */
  url: string;
  benchmarkId: string;
  jobName: string;
  tasks: number;
}

/**
 * What the shipper of one task has had accepted (`logship-<i>.json`): bytes of each job file
 * (`stdout-<i>.log`, `stderr-<i>.log`), and the batch in flight. `stopped`: it pushes nothing
 * more (finished, or gave up after a failed push: `reason`), so the relay ships the rest.
 */
export interface LogShipState {
  version: 1;
  state: 'shipping' | 'stopped';
  offsets: Record<string, number>;
  pending?: PendingBatch;
  reason?: string;
}

/**
 * A Loki push in flight: bytes [from, to) of the file `key`, its first line stamped `baseNs`
 * (epoch ns, the next lines +1 each). Whoever finds it after a crash resends it with the same
 * timestamps: Loki drops an entry identical in stream, timestamp and line.
 */
export interface PendingBatch {
  key: string;
  from: number;
  to: number;
  baseNs: string;
}
