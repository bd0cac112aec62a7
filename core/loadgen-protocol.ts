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

export interface ConcurrencyStage {
  mode: 'concurrency';
  /** Total in-flight requests across all clients; each client takes an exact share. */
  concurrency: number;
}

export type StageLoad = ConcurrencyStage;

export interface StageTiming {
  /** Excluded from the measured window at the start. */
  warmupMs: number;
  /** The measured window. */
  durationMs: number;
  /** Sending stops after warmup + duration; in-flight requests get this long to finish. */
  cooldownMs: number;
  /** Optional bound on requests sent by this client (after which the stage ends for it). */
  maxRequests?: number;
}

/** Written by the worker as `loadgen-config.json` in the client job's folder. */
export interface LoadgenConfig {
  version: 1;
  benchmarkId: string;
  stageIndex: number;
  stageName: string;
  /** e.g. http://10.0.0.5:8000 — reachable from the client job. */
  baseUrl: string;
  api: 'openai-chat' | 'openai-completions';
  model: string;
  /** How many client processes share this stage's load. */
  clientCount: number;
  load: StageLoad;
  timing: StageTiming;
  dataset: { synthetic: SyntheticDataset; seed: number };
  requestTimeoutMs: number;
  temperature?: number;
  /** Merged into every request body (e.g. ignore_eos, top_p). */
  extraBody?: Record<string, unknown>;
  slo?: Slo;
  /** How often a progress snapshot is appended (default 1000). */
  progressIntervalMs?: number;
}

/** File names inside the client job folder; `{i}` is the client index. */
export const loadgenFiles = {
  config: 'loadgen-config.json',
  progress: (i: number) => `progress-${i}.jsonl`,
  result: (i: number) => `result-${i}.json`,
} as const;

/** One line of `progress-<i>.jsonl`: cumulative since the client started. */
export interface ProgressSnapshot {
  version: 1;
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
  /** Over the requests completed so far in the measured window; null before any. */
  ttftP50Ms: number | null;
  ttftP99Ms: number | null;
  e2eP50Ms: number | null;
}

/**
 * HDR histograms as produced by hdr-histogram-js `encodeIntoCompressedBase64`,
 * values recorded in MICROseconds (integers), 3 significant digits.
 */
export interface EncodedHistograms {
  ttft: string;
  e2e: string;
  /** Per-chunk inter-token latency, pooled over all requests (first token excluded). */
  itl: string;
  tpot: string;
}

/** `result-<i>.json`, written once when the client finishes. */
export interface ClientResult {
  version: 1;
  clientIndex: number;
  startedAtMs: number;
  endedAtMs: number;
  /** Measured window in wall-clock epoch ms (warmup/cooldown excluded). */
  windowStartMs: number;
  windowEndMs: number;
  /** Requests whose send time fell in the measured window. */
  measured: {
    ok: number;
    failed: number;
    /** Keyed by kind: `http_<status>`, `timeout`, `connection`, `malformed_stream`, `aborted`. */
    errors: Record<string, number>;
    inputTokens: number;
    outputTokens: number;
    /** Output tokens counted from the stream (token-bearing chunks), as a cross-check. */
    streamChunks: number;
    /** Completed requests where the server sent no `usage`. */
    usageMissing: number;
    /** Requests meeting every SLO in the config (all ok requests when there is none). */
    goodOk: number;
  };
  /** Everything sent, including warmup and cooldown. */
  total: { sent: number; ok: number; failed: number };
  histograms: EncodedHistograms;
}
