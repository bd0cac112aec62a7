/**
 * `aifb compare`: B against A stage by stage (matched by name) with deltas, what differs in their
 * environments, and regression checks: B against A within a tolerance (intervals where the runs
 * have them), a run against a refs file, or a run's own verdict. Pure rendering; commands.ts
 * loads the runs.
 */
import Table from 'cli-table3';
import { FIGURES, figureOf } from '../core/figures';
import { gpuLine } from '../core/history';
import { describeNode } from '../core/machine-facts';
import type { References } from '../core/references';
import type { BenchmarkSummary } from '../core/summary';
import { judgeStages, referencesFromRun, regressionLines, type Verdict, verdictOf } from '../core/verdict';

/** The figures compare shows, in order (core/figures.ts paths). */
export const COMPARE_FIGURES = [
  'throughput.requestsPerS',
  'throughput.outputTokensPerS',
  'goodput.requestsPerS',
  'goodput.fraction',
  'rate.achievedPerS',
  'requests.failed',
  'requests.reconnects',
  'latencyMs.ttft.p50',
  'latencyMs.ttft.p99',
  'latencyMs.tpot.p50',
  'latencyMs.tpot.p99',
  'latencyMs.itl.p50',
  'latencyMs.itlPerToken.p50',
  'latencyMs.e2e.p50',
  'latencyMs.e2e.p99',
  'serviceTimeMs.ttft.p50',
  'serverTimings.tpotMs.p50',
  'system.joulesPerOutputToken',
] as const;

export const DEFAULT_TOLERANCE = 0.1;

export interface MetricDelta {
  stage: string;
  /** Figure path in the stage summary. */
  figure: string;
  metric: string;
  a: number | null;
  b: number | null;
  /** b − a */
  delta: number | null;
  /** (b − a) / a in percent; null when a is 0 or missing. */
  percent: number | null;
  /** Whether B did better on this metric (null: equal or not comparable). */
  better: boolean | null;
  /** B worse than A beyond the tolerance (interval-aware); null when not both sides have it. */
  regression: boolean | null;
}

const metricName = (path: string) => {
  const def = FIGURES.get(path)!;
  return def.unit === 'ms' ? `${def.label} ms` : def.label;
};

/** B against A: the deltas and, per figure, whether B regressed beyond `tolerance`. */
export function compareRuns(a: BenchmarkSummary, b: BenchmarkSummary, tolerance = DEFAULT_TOLERANCE) {
  const checks = judgeStages(
    b.stages.filter((s) => a.stages.some((x) => x.name === s.name)),
    referencesFromRun(a.stages, { tolerance, figures: [...COMPARE_FIGURES] }),
    'baseline',
    a.benchmarkId,
  ).filter((c) => c.figure !== '*');
  const rows: MetricDelta[] = [];
  const names = [...new Set([...a.stages.map((s) => s.name), ...b.stages.map((s) => s.name)])];
  for (const stage of names) {
    const sa = a.stages.find((s) => s.name === stage);
    const sb = b.stages.find((s) => s.name === stage);
    for (const figure of COMPARE_FIGURES) {
      const va = sa ? (figureOf(sa, figure)?.value ?? null) : null;
      const vb = sb ? (figureOf(sb, figure)?.value ?? null) : null;
      const delta = va !== null && vb !== null ? vb - va : null;
      const percent = delta !== null && va !== null && va !== 0 ? (delta / Math.abs(va)) * 100 : null;
      const higher = FIGURES.get(figure)!.better === 'higher';
      const better = delta === null || delta === 0 ? null : higher ? delta > 0 : delta < 0;
      const check = checks.find((c) => c.stage === stage && c.figure === figure);
      const regression = check && vb !== null ? !check.pass : null;
      rows.push({
        stage,
        figure,
        metric: metricName(figure),
        a: va,
        b: vb,
        delta,
        percent,
        better,
        regression,
      });
    }
  }
  return { rows, verdict: verdictOf(checks) };
}

/** What two runs must share to be compared knowingly, and whether they do. */
export interface EnvironmentDiff {
  what: string;
  a: string;
  b: string;
  same: boolean;
}

function envFacts(s: BenchmarkSummary): Record<string, string> {
  const env = s.environment;
  const service = env?.jobs.find((j) => j.role === 'service' || j.role === 'deployment-service')?.tasks[0];
  const clients = env?.jobs.filter((j) => j.role === 'clients').flatMap((j) => j.tasks) ?? [];
  const unknown = '(not recorded)';
  return {
    'recipe hash': env?.recipeHash ?? unknown,
    aifb: env ? `${env.aifb.version}${env.aifb.commit ? ` ${env.aifb.commit.slice(0, 12)}` : ''}` : unknown,
    service: `${s.service.kind} ${s.service.identity?.version ?? '(version unknown)'}`,
    model: s.service.identity?.models.map((m) => m.id).join(', ') || s.service.model,
    executor: s.executor,
    'service node': service ? describeNode(service).replace(/^[^:]*: /, '') : unknown,
    'service GPUs': gpuLine(env) ?? unknown,
    'client nodes': clients.length
      ? [...new Set(clients.map((t) => `${t.cpuModel ?? 'unknown CPU'} (${t.cpus ?? '?'} CPUs)`))].join('; ')
      : unknown,
  };
}

export function environmentDiff(a: BenchmarkSummary, b: BenchmarkSummary): EnvironmentDiff[] {
  const fa = envFacts(a);
  const fb = envFacts(b);
  return Object.keys(fa).map((what) => ({ what, a: fa[what]!, b: fb[what]!, same: fa[what] === fb[what] }));
}

/** A run against a refs file's references (not its last good run: that is the recipe's business). */
export function judgeAgainstRefs(run: BenchmarkSummary, refs: References): Verdict {
  const notes = refs.lastGood ? ['lastGood in a refs file is ignored: compare the two runs instead'] : [];
  return verdictOf(judgeStages(run.stages, refs.stages, 'refs-file'), notes);
}

const num = (v: number | null) => (v === null ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(2));

export function formatDelta(row: MetricDelta): string {
  if (row.delta === null) return '-';
  const sign = row.delta > 0 ? '+' : '';
  const pct = row.percent === null ? '' : ` (${sign}${row.percent.toFixed(1)}%)`;
  const mark = row.better === null ? '' : row.better ? ' better' : ' worse';
  return `${sign}${num(row.delta)}${pct}${mark}`;
}

function verdictText(title: string, v: Verdict): string[] {
  if (v.outcome === 'none') return [`${title}: nothing checked`, ...v.notes.map((n) => `  (${n})`)];
  const head =
    v.outcome === 'pass'
      ? `${title}: PASS (${v.checked} checks)`
      : `${title}: REGRESSION (${v.failed} of ${v.checked} checks failed)`;
  return [head, ...regressionLines(v).map((l) => `  ${l}`), ...v.notes.map((n) => `  (${n})`)];
}

export interface CompareReport {
  a: string;
  b: string | null;
  tolerance: number | null;
  environment: EnvironmentDiff[];
  rows: MetricDelta[];
  /** Every verdict the comparison made, by what it judged. */
  verdicts: { baseline?: Verdict; refs?: Verdict; stored?: Verdict };
  /** Whether any of them found a regression. */
  regression: boolean;
}

/**
 * Two runs: B against A. One run: its stored verdict (from its run). `refs`: the last run given
 * against a refs file, too.
 */
export function buildCompare(
  a: BenchmarkSummary,
  b: BenchmarkSummary | null,
  options: { tolerance?: number; refs?: References } = {},
): CompareReport {
  const verdicts: CompareReport['verdicts'] = {};
  let rows: MetricDelta[] = [];
  const tolerance = b ? (options.tolerance ?? DEFAULT_TOLERANCE) : null;
  if (b) {
    const compared = compareRuns(a, b, tolerance ?? DEFAULT_TOLERANCE);
    rows = compared.rows;
    verdicts.baseline = compared.verdict;
  } else if (a.verdict) {
    verdicts.stored = a.verdict;
  }
  if (options.refs) verdicts.refs = judgeAgainstRefs(b ?? a, options.refs);
  return {
    a: a.benchmarkId,
    b: b?.benchmarkId ?? null,
    tolerance,
    environment: b ? environmentDiff(a, b) : [],
    rows,
    verdicts,
    regression: Object.values(verdicts).some((v) => v.outcome === 'fail'),
  };
}

export function renderCompare(
  a: BenchmarkSummary,
  b: BenchmarkSummary | null,
  report: CompareReport,
): string {
  const lines = [`A: ${a.benchmarkId} (${a.recipeName}, ${a.status})`];
  if (b) {
    lines.push(`B: ${b.benchmarkId} (${b.recipeName}, ${b.status})`);
    const differ = report.environment.filter((d) => !d.same);
    lines.push(
      differ.length === 0
        ? 'environment: the same (recipe hash, aifb, service, model, nodes, GPUs)'
        : `environment differs in ${differ.map((d) => d.what).join(', ')}:`,
      ...differ.map((d) => `  ${d.what}: A ${d.a} | B ${d.b}`),
    );
    const table = new Table({
      head: ['stage', 'metric', `A ${a.benchmarkId}`, `B ${b.benchmarkId}`, 'B − A', 'check'],
      style: { head: [], border: [] },
    });
    for (const row of report.rows) {
      const check = row.regression === null ? '' : row.regression ? 'REGRESSION' : 'ok';
      table.push([row.stage, row.metric, num(row.a), num(row.b), formatDelta(row), check]);
    }
    lines.push(table.toString());
  }
  const { baseline, refs, stored } = report.verdicts;
  if (baseline) {
    lines.push(
      ...verdictText(`B against A (tolerance ${((report.tolerance ?? 0) * 100).toFixed(0)}%)`, baseline),
    );
  }
  if (stored) lines.push(...verdictText(`${a.benchmarkId} against its references (at its run)`, stored));
  if (!b && !stored && !refs)
    lines.push(`${a.benchmarkId}: no references (the recipe names none): nothing checked`);
  if (refs) lines.push(...verdictText(`${(b ?? a).benchmarkId} against the refs file`, refs));
  return lines.join('\n');
}
