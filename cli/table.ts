/** The results table `aifb run` and `aifb results` print: metrics as rows, one column per stage. */
import Table from 'cli-table3';
import { environmentLines } from '../core/machine-facts';
import type { BenchmarkSummary, StageSummary } from '../core/summary';
import type { LatencySummary } from '../core/summary-format';
import { regressionLines } from '../core/verdict';
import { RATIO_COUNTERS } from '../core/workload-summary';
import { planLines, renderStageRows, verdict, WIDE_STAGES } from './plan-table';

const fmt = (n: number | undefined | null, digits = 1) =>
  n === undefined || n === null ? '-' : n.toFixed(digits);
const pair = (l: LatencySummary | null, digits = 1) =>
  l ? `${fmt(l.p50, digits)} / ${fmt(l.p99, digits)}` : '-';

// The service's side (README "Live metrics"): '-' where it could not be had.
function serverPair(s: StageSummary): string {
  const server = s.server;
  if (!server || !('runningRequests' in server)) return '-';
  return `${fmt(server.runningRequests.mean)} / ${fmt(server.waitingRequests.mean)}`;
}
/** Kinds whose servers do not export a KV-cache gauge: say so rather than show an empty row. */
const NO_KV_GAUGE: Record<string, string> = {
  llamacpp: 'not exported by llama.cpp',
  ollama: 'Ollama exports no metrics',
};
function serverKv(s: StageSummary, summary: BenchmarkSummary): string {
  const kv = s.server && 'kvCacheUsage' in s.server ? s.server.kvCacheUsage : null;
  if (kv && kv.mean !== null) return `${fmt(kv.mean * 100)} / ${fmt((kv.max ?? 0) * 100)}`;
  return NO_KV_GAUGE[summary.service.kind] ?? '-';
}
function serviceProcess(s: StageSummary): string {
  const p = s.system && 'process' in s.system ? s.system.process : null;
  return p
    ? `${fmt(p.cpuCoresMean, 2)} / ${fmt(p.rssMaxBytes === null ? null : p.rssMaxBytes / 2 ** 20, 0)}`
    : '-';
}
function gpuLine(s: StageSummary): string {
  if (!s.system || !('gpu' in s.system)) return '-';
  const { gpu, joulesPerOutputToken } = s.system;
  if ('absent' in gpu) return 'no GPU';
  return `${fmt(gpu.utilizationMeanPct)} / ${fmt(joulesPerOutputToken, 3)}`;
}

/** Asked (dataset) against server-counted input tokens per request, and cached ones when reported. */
function inputTokens(s: StageSummary): string {
  const { inputAskedMean, inputServed, cachedPromptTotal } = s.tokens;
  if (inputAskedMean === undefined) return '-'; // older summary
  const cached = cachedPromptTotal ? ` (${cachedPromptTotal} cached)` : '';
  return `${fmt(inputAskedMean, 0)} / ${fmt(inputServed?.mean, 0)}${cached}`;
}

type Row = [string, (s: StageSummary, summary: BenchmarkSummary) => string];

/** Rows that mean nothing for a non-streaming workload (no tokens, no first token). */
const LLM_ONLY = new Set([
  'output tok/s',
  'input tokens (asked / served)',
  'TTFT p50 / p99 ms',
  'TPOT p50 / p99 ms',
  'server TPOT p50 / p99 ms',
  'ITL per chunk p50 / p99 ms',
  'ITL per token p50 / p99 ms',
  'TTFT service p50 / p99 ms',
  'KV cache use mean / max %',
  'reconnects',
]);

/**
 * A non-LLM workload's own rows, after the common ones: per class (ok/s, latency), its counters
 * per s, and the phases before the stage clock (items, rate, latency).
 */
function workloadRows(summary: BenchmarkSummary): Row[] {
  const names = (f: (s: StageSummary) => string[]) => [...new Set(summary.stages.flatMap(f))].sort();
  const rows: Row[] = [];
  for (const c of names((s) => Object.keys(s.workload?.classes ?? {}))) {
    const of = (s: StageSummary) => s.workload?.classes[c];
    rows.push([`${c}: ok / failed`, (s) => (of(s) ? `${of(s)!.ok} / ${of(s)!.failed}` : '-')]);
    rows.push([`${c}: per s`, (s) => fmt(of(s)?.perS, 1)]);
    rows.push([`${c}: p50 / p99 ms`, (s) => pair(of(s)?.latencyMs ?? null, 2)]);
  }
  if (summary.stages.some((s) => s.workload?.commands))
    rows.push([
      'command exits (records)',
      (s) =>
        (s.workload?.commands ?? [])
          .map((c) => `${c.signal ?? c.code}${c.endedByAifb ? '*' : ''} (${c.records})`)
          .join(', ') || '-',
    ]);
  for (const r of names((s) => Object.keys(s.workload?.ratios ?? {})))
    rows.push([r, (s) => fmt(s.workload?.ratios?.[r], 4)]);
  for (const k of names((s) => Object.keys(s.workload?.countersPerS ?? {})))
    if (!RATIO_COUNTERS.has(k)) rows.push([`${k} per s`, (s) => fmt(s.workload?.countersPerS[k], 1)]);
  for (const p of names((s) => Object.keys(s.workload?.phases ?? {}))) {
    const of = (s: StageSummary) => s.workload?.phases[p];
    rows.push([
      `${p}: items (failed) in s`,
      (s) => (of(s) ? `${of(s)!.items} (${of(s)!.failed}) in ${fmt(of(s)!.durationMs / 1000, 2)}` : '-'),
    ]);
    rows.push([`${p}: items per s`, (s) => fmt(of(s)?.itemsPerS, 1)]);
    rows.push([`${p}: p50 / p99 ms`, (s) => pair(of(s)?.latencyMs ?? null, 2)]);
  }
  return rows;
}

const ROWS: Row[] = [
  ['requests ok / failed', (s) => `${s.requests.ok} / ${s.requests.failed}`],
  // Resent after a reused connection closed before answering: not failures.
  ['reconnects', (s) => (s.requests.reconnects === undefined ? '-' : String(s.requests.reconnects))],
  ['req/s', (s) => fmt(s.throughput.requestsPerS, 2)],
  ['output tok/s', (s) => fmt(s.throughput.outputTokensPerS, 1)],
  ['input tokens (asked / served)', inputTokens],
  [
    'goodput req/s (SLO met %)',
    (s) => (s.goodput ? `${fmt(s.goodput.requestsPerS, 2)} (${fmt(s.goodput.fraction * 100)}%)` : '-'),
  ],
  [
    'rate achieved / asked /s',
    (s) =>
      s.rate.requestedPerS === null
        ? '-'
        : `${fmt(s.rate.achievedPerS, 1)} / ${fmt(s.rate.requestedPerS, 1)} (${fmt(s.rate.errorPct, 2)}%)`,
  ],
  ['TTFT p50 / p99 ms', (s) => pair(s.latencyMs.ttft)],
  ['TPOT p50 / p99 ms', (s) => pair(s.latencyMs.tpot)],
  // The server's own TPOT (llama.cpp `timings`) beside the client's.
  ['server TPOT p50 / p99 ms', (s) => pair(s.serverTimings?.tpotMs ?? null)],
  ['ITL per chunk p50 / p99 ms', (s) => pair(s.latencyMs.itl)],
  ['ITL per token p50 / p99 ms', (s) => pair(s.latencyMs.itlPerToken)],
  ['E2E p50 / p99 ms', (s) => pair(s.latencyMs.e2e)],
  ['TTFT service p50 / p99 ms', (s) => pair(s.serviceTimeMs.ttft)],
  ['schedule lag p50 / p99 ms', (s) => (s.rate.requestedPerS === null ? '-' : pair(s.scheduleLagMs, 2))],
  ['loadgen CPU (cores, max)', (s) => fmt(s.loadgen.cpuCoresMax, 2)],
  ['server running / waiting (mean)', (s) => serverPair(s)],
  ['KV cache use mean / max %', (s, summary) => serverKv(s, summary)],
  // aifb's sampler of the service's process tree (the server's own metrics are the rows above).
  ['service CPU cores / RSS MiB (sampler)', (s) => serviceProcess(s)],
  ['GPU util % / energy J/token', (s) => gpuLine(s)],
  ['clients reported', (s) => `${s.clientsReported} / ${s.clientsExpected}`],
  [
    'valid',
    (s) =>
      s.validity === undefined
        ? '-'
        : s.validity.valid
          ? 'yes'
          : `INVALID: ${s.validity.failures.map((f) => f.rule).join(', ')}`,
  ],
  ['measured window s', (s) => fmt(s.windowS)],
  ['references passed', (s, summary) => referenceCell(s, summary)],
];

/** The stage's reference checks: `3 / 3`, or `2 / 3 REGRESSION`; '-' without references. */
function referenceCell(s: StageSummary, summary: BenchmarkSummary): string {
  const checks = summary.verdict?.checks.filter((c) => c.stage === s.name);
  if (!checks || checks.length === 0) return '-';
  const passed = checks.filter((c) => c.pass).length;
  return `${passed} / ${checks.length}${passed < checks.length ? ' REGRESSION' : ''}`;
}

/** The verdict in words, each failed check on its own line (README "References and regressions"). */
export function verdictLines(summary: BenchmarkSummary): string[] {
  const v = summary.verdict;
  if (!v) return [];
  const sources = [...new Set(v.checks.map((c) => (c.from ? `${c.source} ${c.from}` : c.source)))].join(', ');
  const head =
    v.outcome === 'none'
      ? 'verdict: nothing checked'
      : v.outcome === 'pass'
        ? `verdict: PASS, ${v.checked} checks (${sources})`
        : `verdict: REGRESSION, ${v.failed} of ${v.checked} checks failed (${sources}):`;
  return [head, ...regressionLines(v).map((l) => `  ${l}`), ...v.notes.map((n) => `  (${n})`)];
}

/** A capacity-search probe's verdict (shown when the run has probes). */
const PROBE_ROW: (typeof ROWS)[number] = ['probe', (s) => (s.origin?.probe ? verdict(s) : '-')];

/** Column head: the stage and its load, e.g. `p100 (poisson 100/s ≤32)`, `c8 (concurrency 8)`. */
function stageLabel(s: StageSummary): string {
  const load =
    s.rate.requestedPerS !== null
      ? `${Number(s.rate.requestedPerS.toFixed(2))}/s${s.concurrency !== null ? ` ≤${s.concurrency}` : ''}`
      : s.mode === 'synchronous'
        ? ''
        : String(s.concurrency);
  return `${s.name} (${s.mode}${load ? ` ${load}` : ''})`;
}

export function renderResultsTable(summary: BenchmarkSummary, color = false): string {
  const table = new Table({
    head: ['', ...summary.stages.map(stageLabel)],
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] },
    // No rule between rows: a tall table stays readable on one screen.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  const llm = summary.stages.every((s) => s.workload === undefined);
  // The references row only when there is a verdict: older results keep their table.
  const common = summary.verdict ? ROWS : ROWS.filter(([label]) => label !== 'references passed');
  const base = llm ? common : [...common.filter(([label]) => !LLM_ONLY.has(label)), ...workloadRows(summary)];
  const rows = summary.stages.some((s) => s.origin?.probe) ? [...base, PROBE_ROW] : base;
  for (const [label, value] of rows) table.push([label, ...summary.stages.map((s) => value(s, summary))]);
  const errors = summary.stages.flatMap((s) =>
    Object.entries(s.requests.errors).map(([kind, n]) => `${s.name}: ${kind} x${n}`),
  );
  // A sweep or a search makes more stages than fit side by side: one row each then.
  const wide = summary.stages.length > WIDE_STAGES;
  const lines = [
    `benchmark ${summary.benchmarkId} (${summary.recipeName}) ${summary.status}; service ${summary.service.kind} model ${summary.service.model}`,
    ...servedLine(summary),
    wide ? renderStageRows(summary, color) : table.toString(),
    ...planLines(summary, color),
  ];
  if (errors.length) lines.push(`errors: ${errors.join(', ')}`);
  if (summary.invalid?.length) lines.push(`INVALID:\n${summary.invalid.map((l) => `  ${l}`).join('\n')}`);
  if (summary.error) lines.push(`error: ${summary.error}`);
  lines.push(...verdictLines(summary));
  if (summary.environment) {
    lines.push('environment:', ...environmentLines(summary.environment).map((l) => `  ${l}`));
  }
  return lines.join('\n');
}

/** What the server said it serves, when it said (summary `service.identity`). */
function servedLine(summary: BenchmarkSummary): string[] {
  const identity = summary.service.identity;
  if (!identity) return [];
  const models = identity.models.map((m) => m.id).join(', ') || 'no model listed';
  return [`served: ${models}${identity.version ? ` (version ${identity.version})` : ''}`];
}
