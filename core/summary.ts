/**
 * Turns client results into the stage and benchmark summaries (summary.json, results.csv).
 * Pure: the collectMetrics activity does the I/O around it.
 */
import { decodeHistogram, mergeEncoded, percentileMs, summarize } from './histograms';
import type { ClientResult, HistogramName, LoadMode } from './loadgen-protocol';
import type {
  BenchmarkSummary,
  LatencySummary,
  ServerTimingsSummary,
  StageSummary,
  Window,
} from './summary-format';
import { summarizeWorkload } from './workload-summary';

export type { BenchmarkSummary, LatencySummary, StageLatencies, StageSummary } from './summary-format';
export { SUMMARY_SCHEMA } from './summary-format';

export interface StageMeta {
  index: number;
  name: string;
  mode: LoadMode;
  concurrency: number | null;
  /** The open loop's asked rate; null for a closed loop (a ramp's or trace's is its schedule's). */
  requestedRatePerS: number | null;
  bounds: StageSummary['bounds'];
  clientsExpected: number;
  hasSlo: boolean;
  exactOutputLength: boolean;
}

function latency(results: readonly ClientResult[], key: HistogramName): LatencySummary | null {
  // Results of older clients may lack a histogram: merge what there is.
  const encoded = results.map((r) => r.histograms[key]).filter((h): h is string => typeof h === 'string');
  const merged = summarize(mergeEncoded(encoded));
  return merged.count === 0 ? null : merged;
}

function addErrors(into: Record<string, number>, from: Record<string, number> | undefined): void {
  for (const [kind, n] of Object.entries(from ?? {})) into[kind] = (into[kind] ?? 0) + n;
}

/** Wall-clock bounds of the measured window over all clients. */
export function measuredWindow(results: readonly ClientResult[]): Window {
  return {
    startMs: Math.min(...results.map((r) => r.windowStartMs)),
    endMs: Math.max(...results.map((r) => r.windowEndMs)),
  };
}

/** A load generator's own CPU use over its run (1 = one core busy). */
const cpuCoresOf = (r: ClientResult) => (r.loadgen.wallMs > 0 ? r.loadgen.cpuMs / r.loadgen.wallMs : 0);

export function summarizeStage(meta: StageMeta, results: ClientResult[]): StageSummary {
  const sum = (f: (r: ClientResult) => number) => results.reduce((acc, r) => acc + f(r), 0);
  const max = (f: (r: ClientResult) => number) => results.reduce((acc, r) => Math.max(acc, f(r)), 0);
  // Each client's rate over its own window, summed: clients start a little apart, and this
  // keeps one slow starter from stretching everybody's window.
  const rate = (f: (r: ClientResult) => number) =>
    sum((r) => {
      const seconds = (r.windowEndMs - r.windowStartMs) / 1000;
      return seconds > 0 ? f(r) / seconds : 0;
    });
  const errors: Record<string, number> = {};
  const errorsTotal: Record<string, number> = {};
  for (const r of results) {
    addErrors(errors, r.measured.errors);
    addErrors(errorsTotal, r.total.errors);
  }
  const ok = sum((r) => r.measured.ok);
  const goodOk = sum((r) => r.measured.goodOk);
  const achieved = rate((r) => r.measured.sent);
  const scheduled = results.every((r) => typeof r.scheduled === 'number')
    ? sum((r) => r.scheduled ?? 0)
    : null;
  // A ramp's or a trace's rate is its schedule's over the window (the recipe gives no one rate).
  const fromSchedule = (meta.mode === 'ramp' || meta.mode === 'trace') && scheduled !== null;
  const requested = meta.requestedRatePerS ?? (fromSchedule ? rate((r) => r.scheduled ?? 0) : null);
  const sent = sum((r) => r.measured.sent);
  return {
    index: meta.index,
    name: meta.name,
    mode: meta.mode,
    concurrency: meta.concurrency,
    rate: {
      requestedPerS: requested,
      achievedPerS: achieved,
      errorPct: requested ? ((achieved - requested) / requested) * 100 : null,
      scheduled: requested ? scheduled : null,
      deliveryErrorPct: requested && scheduled ? ((sent - scheduled) / scheduled) * 100 : null,
    },
    bounds: meta.bounds,
    clientsExpected: meta.clientsExpected,
    clientsReported: results.length,
    windowS: results.length ? sum((r) => (r.windowEndMs - r.windowStartMs) / 1000) / results.length : 0,
    requests: {
      sent,
      ok,
      failed: sum((r) => r.measured.failed),
      errors,
      sentTotal: sum((r) => r.total.sent),
      errorsTotal,
      reconnects: sum((r) => r.measured.reconnects ?? 0),
      reconnectsTotal: sum((r) => r.total.reconnects ?? 0),
    },
    throughput: {
      requestsPerS: rate((r) => r.measured.ok),
      outputTokensPerS: rate((r) => r.measured.outputTokens),
      totalTokensPerS: rate((r) => r.measured.outputTokens + r.measured.inputTokens),
    },
    // Over every request sent in the window: a failed request meets no SLO.
    goodput: meta.hasSlo
      ? { requestsPerS: rate((r) => r.measured.goodOk), fraction: sent > 0 ? goodOk / sent : 0 }
      : null,
    tokens: {
      input: sum((r) => r.measured.inputTokens),
      output: sum((r) => r.measured.outputTokens),
      streamChunks: sum((r) => r.measured.streamChunks),
      usageMissing: sum((r) => r.measured.usageMissing),
      streamMismatch: sum((r) => r.measured.streamMismatch),
      lengthShort: sum((r) => r.measured.lengthShort),
      exactOutputLength: meta.exactOutputLength,
      ...inputTokens(results),
    },
    latencyMs: {
      ttft: latency(results, 'ttft'),
      e2e: latency(results, 'e2e'),
      tpot: latency(results, 'tpot'),
      itl: latency(results, 'itl'),
      itlPerToken: latency(results, 'itlPerToken'),
    },
    serviceTimeMs: { ttft: latency(results, 'ttftService'), e2e: latency(results, 'e2eService') },
    scheduleLagMs: latency(results, 'scheduleLag'),
    serverTimings: serverTimings(results),
    ...workloadPart(results),
    loadgen: {
      cpuCoresMax: max(cpuCoresOf),
      eventLoopUtilizationMax: max((r) => r.loadgen.eventLoopUtilization),
      clampedValues: sum((r) => r.loadgen.clamped),
      clients: results
        .map((r) => ({
          index: r.clientIndex,
          cpuCores: cpuCoresOf(r),
          eventLoopUtilization: r.loadgen.eventLoopUtilization,
          scheduleLagP99Ms:
            typeof r.histograms.scheduleLag === 'string'
              ? percentileMs(decodeHistogram(r.histograms.scheduleLag), 99)
              : null,
        }))
        .sort((a, b) => a.index - b.index),
    },
  };
}

function workloadPart(results: readonly ClientResult[]): Pick<StageSummary, 'workload'> {
  const workload = summarizeWorkload(results);
  return workload === undefined ? {} : { workload };
}

/** Asked against server-counted input tokens, and cached ones (ClientResult fields older clients lack). */
function inputTokens(results: readonly ClientResult[]) {
  const sum = (f: (m: ClientResult['measured']) => number | undefined) =>
    results.reduce((acc, r) => acc + (f(r.measured) ?? 0), 0);
  const ok = sum((m) => m.ok);
  const served = sum((m) => m.inputTokensServed);
  const servedRequests = sum((m) => m.inputTokensServedRequests);
  return {
    inputAskedMean:
      ok > 0 && results.every((r) => r.measured.inputTokensAsked !== undefined)
        ? sum((m) => m.inputTokensAsked) / ok
        : null,
    inputServed:
      servedRequests > 0 ? { mean: served / servedRequests, total: served, requests: servedRequests } : null,
    cachedPromptTotal: sum((m) => m.cachedTokensRequests) > 0 ? sum((m) => m.cachedTokens) : null,
  };
}

function serverTimings(results: readonly ClientResult[]): ServerTimingsSummary | null {
  const counts = results.map((r) => r.measured.serverTimings).filter((c) => c !== undefined);
  const requests = counts.reduce((a, c) => a + c.requests, 0);
  if (requests === 0) return null;
  const total = (f: (c: (typeof counts)[number]) => number) => counts.reduce((a, c) => a + f(c), 0);
  return {
    source: 'llamacpp-timings',
    requests,
    tpotMs: latency(results, 'serverTpot'),
    promptMs: latency(results, 'serverPromptMs'),
    promptNMean: total((c) => c.promptN) / requests,
    predictedNMean: total((c) => c.predictedN) / requests,
    cacheNTotal: total((c) => c.cacheNRequests) > 0 ? total((c) => c.cacheN) : null,
  };
}

const num = (n: number | null | undefined, digits = 3) =>
  n === null || n === undefined ? '' : n.toFixed(digits);

type Column = [name: string, cell: (stage: StageSummary, run: BenchmarkSummary) => string];

const serverOf = (s: StageSummary) => (s.server && 'runningRequests' in s.server ? s.server : undefined);
const systemOf = (s: StageSummary) => (s.system && 'process' in s.system ? s.system : undefined);
const gpuOf = (s: StageSummary) => {
  const gpu = systemOf(s)?.gpu;
  return gpu && !('absent' in gpu) ? gpu : undefined;
};

const latencyColumns = (['ttft', 'tpot', 'itl', 'e2e'] as const).flatMap((metric) =>
  (['p50', 'p90', 'p99'] as const).map(
    (p): Column => [`${metric}_${p}_ms`, (s) => num(s.latencyMs[metric]?.[p])],
  ),
);

/** results.csv columns, in order. Append new ones at the end: scripts read these by position too. */
const CSV: Column[] = [
  ['benchmark_id', (_, run) => run.benchmarkId],
  ['stage', (s) => s.name],
  ['mode', (s) => s.mode],
  ['concurrency', (s) => (s.concurrency === null ? '' : String(s.concurrency))],
  ['clients', (s) => String(s.clientsReported)],
  ['window_s', (s) => num(s.windowS)],
  ['requests_ok', (s) => String(s.requests.ok)],
  ['requests_failed', (s) => String(s.requests.failed)],
  ['requests_per_s', (s) => num(s.throughput.requestsPerS)],
  ['output_tokens_per_s', (s) => num(s.throughput.outputTokensPerS)],
  ['total_tokens_per_s', (s) => num(s.throughput.totalTokensPerS)],
  ['goodput_per_s', (s) => num(s.goodput?.requestsPerS)],
  ...latencyColumns,
  // Added in aifb.summary/v2.
  ['rate_requested_per_s', (s) => num(s.rate.requestedPerS)],
  ['rate_achieved_per_s', (s) => num(s.rate.achievedPerS)],
  ['sched_lag_p50_ms', (s) => num(s.scheduleLagMs?.p50)],
  ['sched_lag_p99_ms', (s) => num(s.scheduleLagMs?.p99)],
  ['itl_per_token_p50_ms', (s) => num(s.latencyMs.itlPerToken?.p50)],
  ['itl_per_token_p99_ms', (s) => num(s.latencyMs.itlPerToken?.p99)],
  ['ttft_service_p50_ms', (s) => num(s.serviceTimeMs.ttft?.p50)],
  ['ttft_service_p99_ms', (s) => num(s.serviceTimeMs.ttft?.p99)],
  ['e2e_service_p50_ms', (s) => num(s.serviceTimeMs.e2e?.p50)],
  ['e2e_service_p99_ms', (s) => num(s.serviceTimeMs.e2e?.p99)],
  ['ttft_p999_ms', (s) => num(s.latencyMs.ttft?.p999)],
  ['e2e_p999_ms', (s) => num(s.latencyMs.e2e?.p999)],
  ['goodput_fraction', (s) => num(s.goodput?.fraction, 4)],
  [
    'errors',
    (s) =>
      Object.entries(s.requests.errors)
        .map(([k, n]) => `${k}=${n}`)
        .join(';'),
  ],
  ['loadgen_cpu_cores_max', (s) => num(s.loadgen.cpuCoresMax)],
  ['rate_delivery_error_pct', (s) => num(s.rate.deliveryErrorPct)],
  // The service's side (telemetry): empty where it could not be had.
  ['server_running_mean', (s) => num(serverOf(s)?.runningRequests.mean)],
  ['server_waiting_mean', (s) => num(serverOf(s)?.waitingRequests.mean)],
  ['kv_cache_usage_mean', (s) => num(serverOf(s)?.kvCacheUsage.mean, 4)],
  ['service_cpu_cores_mean', (s) => num(systemOf(s)?.process.cpuCoresMean)],
  ['service_rss_max_bytes', (s) => num(systemOf(s)?.process.rssMaxBytes, 0)],
  ['gpu_utilization_mean_pct', (s) => num(gpuOf(s)?.utilizationMeanPct)],
  ['energy_j', (s) => num(systemOf(s)?.energyJ)],
  ['joules_per_output_token', (s) => num(systemOf(s)?.joulesPerOutputToken, 6)],
  // Real servers (issue 13): reconnects, asked vs server-counted input, llama.cpp's own timings.
  ['reconnects', (s) => (s.requests.reconnects === undefined ? '' : String(s.requests.reconnects))],
  ['input_tokens_asked_mean', (s) => num(s.tokens.inputAskedMean)],
  ['input_tokens_served_mean', (s) => num(s.tokens.inputServed?.mean)],
  ['cached_prompt_tokens', (s) => num(s.tokens.cachedPromptTotal, 0)],
  ['server_tpot_p50_ms', (s) => num(s.serverTimings?.tpotMs?.p50)],
  ['server_tpot_p99_ms', (s) => num(s.serverTimings?.tpotMs?.p99)],
  ['server_prompt_p50_ms', (s) => num(s.serverTimings?.promptMs?.p50)],
  // Added in aifb.summary/v3: the verdict against the references and what to compare knowingly.
  ['verdict', (_, run) => run.verdict?.outcome ?? ''],
  ['reference_checks', (s, run) => countChecks(run, s.name, () => true)],
  ['reference_failed', (s, run) => countChecks(run, s.name, (c) => !c.pass)],
  ['valid', (s) => (s.validity ? String(s.validity.valid) : '')],
  ['recipe_hash', (_, run) => run.environment?.recipeHash ?? ''],
  ['aifb_version', (_, run) => run.environment?.aifb.version ?? ''],
  ['service_version', (_, run) => run.service?.identity?.version ?? ''],
  // Vector search (issue 15): recall@k of the stage's answers.
  ['recall', (s) => num(s.workload?.ratios?.recall, 4)],
  // Sweeps, capacity searches and repeats (issue 16): the recipe stage that made the row, its
  // repetition, a probe's value and verdict (1 passed, 0 failed), and 1 when over-saturation ended it.
  ['origin_stage', (s) => s.origin?.recipeStage ?? ''],
  ['repetition', (s) => (s.origin?.repetition === undefined ? '' : String(s.origin.repetition))],
  ['probe_value', (s) => num(s.origin?.probe?.value, 4)],
  ['probe_passed', (s) => (s.origin?.probe ? (s.origin.probe.passed ? '1' : '0') : '')],
  ['oversaturated', (s) => (s.oversaturation?.detected ? '1' : '')],
];

/** A stage's reference checks that `keep` keeps; empty when the run has no verdict. */
function countChecks(
  run: BenchmarkSummary,
  stage: string,
  keep: (c: NonNullable<BenchmarkSummary['verdict']>['checks'][number]) => boolean,
): string {
  if (!run.verdict) return '';
  return String(run.verdict.checks.filter((c) => c.stage === stage && keep(c)).length);
}

export const CSV_COLUMNS: readonly string[] = CSV.map(([name]) => name);

/** A cell as RFC 4180 wants it: quoted when it holds a comma, quote or line break. */
function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** results.csv: one row per stage. */
export function toCsv(summary: BenchmarkSummary): string {
  const rows = summary.stages.map((stage) => CSV.map(([, cell]) => csvCell(cell(stage, summary))).join(','));
  return `${[CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}
