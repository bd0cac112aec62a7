/**
 * The results of sweeps, capacity searches and repetitions as `aifb run` / `aifb results`
 * print them: many stages as one row each (a search has a dozen probes), a line per search with
 * the capacity it found (beside the analytic one when theory knows it), a line per sweep, and
 * each repeated stage's figures as mean ± the 95% interval's half-width.
 */
import Table from 'cli-table3';
import type { BenchmarkSummary, StageSummary } from '../core/summary';
import type { CapacitySearchResult, Interval, RepeatFigure } from '../core/summary-format';

const fmt = (n: number | undefined | null, digits = 1) =>
  n === undefined || n === null ? '-' : n.toFixed(digits);
const pair = (l: { p50: number; p99: number } | null) => (l ? `${fmt(l.p50)} / ${fmt(l.p99)}` : '-');

/** More stages than this print one row each instead of one column each. */
export const WIDE_STAGES = 6;

function load(s: StageSummary): string {
  if (s.rate.requestedPerS !== null)
    return `${s.mode} ${s.rate.requestedPerS}/s${s.concurrency !== null ? ` ≤${s.concurrency}` : ''}`;
  return s.mode === 'synchronous' ? s.mode : `${s.mode} ${s.concurrency}`;
}

/** pass / FAIL for a probe; the validity otherwise; `stopped: over-saturated` when the detector ended it. */
export function verdict(s: StageSummary): string {
  const probe = s.origin?.probe;
  if (probe) return probe.passed ? 'pass' : `FAIL: ${probe.why.join('; ')}`;
  if (s.validity === undefined) return '-';
  return s.validity.valid ? 'valid' : `INVALID: ${s.validity.failures.map((f) => f.rule).join(', ')}`;
}

/** One row per stage: for runs with more stages than fit side by side. */
export function renderStageRows(summary: BenchmarkSummary, color = false): string {
  const table = new Table({
    head: [
      'stage',
      'load',
      'ok / failed',
      'req/s',
      'TTFT p50 / p99 ms',
      'TPOT p50 / p99 ms',
      'E2E p99 ms',
      'verdict',
    ],
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    colWidths: [null, null, null, null, null, null, null, 60],
    wordWrap: true,
  });
  for (const s of summary.stages) {
    table.push([
      s.name,
      load(s),
      `${s.requests.ok} / ${s.requests.failed}`,
      fmt(s.throughput.requestsPerS, 2),
      pair(s.latencyMs.ttft),
      pair(s.latencyMs.tpot),
      fmt(s.latencyMs.e2e?.p99),
      verdict(s),
    ]);
  }
  return table.toString();
}

const sloText = (slo: CapacitySearchResult['slo']) =>
  Object.entries(slo)
    .flatMap(([metric, ps]) => Object.entries(ps).map(([p, ms]) => `${metric} ${p} ≤ ${ms} ms`))
    .join(', ');

/** `capacity search cap: 31.7 req/s (analytic 33.3 req/s, -4.9%) ...` */
export function searchLine(r: CapacitySearchResult): string {
  const name = `capacity search ${r.stage}${r.repetition !== undefined ? ` (repetition ${r.repetition})` : ''}`;
  const found = r.capacity === null ? 'no probe passed' : `${fmt(r.capacity, 2)} ${r.unit}`;
  const expected = r.expected
    ? ` (analytic ${fmt(r.expected.capacity, 2)} ${r.unit}${r.capacity !== null ? `, ${fmt(((r.capacity - r.expected.capacity) / r.expected.capacity) * 100)}%` : ''}: ${r.expected.basis})`
    : '';
  const bracket = r.lowestFailed !== null ? `; lowest failed ${fmt(r.lowestFailed, 2)}` : '';
  return `${name}: ${found}${expected} [${r.status}; ${sloText(r.slo)}; ${r.probes.length} probes${bracket}; tolerance ${fmt(r.tolerance * 100, 0)}%]`;
}

const FIGURES: [RepeatFigure, string, number][] = [
  ['requestsPerS', 'req/s', 2],
  ['outputTokensPerS', 'output tok/s', 1],
  ['ttftP50Ms', 'TTFT p50 ms', 1],
  ['ttftP99Ms', 'TTFT p99 ms', 1],
  ['tpotP99Ms', 'TPOT p99 ms', 2],
  ['e2eP99Ms', 'E2E p99 ms', 1],
  ['errorPct', 'errors %', 2],
];

const withInterval = (i: Interval | null | undefined, digits: number) =>
  !i
    ? '-'
    : i.halfWidth === null
      ? fmt(i.mean, digits)
      : `${fmt(i.mean, digits)} ± ${fmt(i.halfWidth, digits)}`;

/** Everything below the stage table: searches, sweeps, repetitions. */
export function planLines(summary: BenchmarkSummary, color = false): string[] {
  const lines: string[] = [];
  for (const r of summary.searches ?? []) lines.push(searchLine(r));
  for (const s of summary.sweeps ?? []) {
    const measured =
      s.synchronousPerS !== null || s.throughputPerS !== null
        ? `synchronous ${fmt(s.synchronousPerS, 2)}/s, throughput ${fmt(s.throughputPerS, 2)}/s; `
        : '';
    const made = s.rates.length
      ? `rates ${s.rates.join(', ')}/s`
      : `concurrencies ${s.concurrencies.join(', ')}`;
    lines.push(
      `sweep ${s.stage}${s.repetition !== undefined ? ` (repetition ${s.repetition})` : ''}: ${measured}${made}${s.note ? ` (${s.note})` : ''}`,
    );
  }
  const repeats = summary.repeats;
  if (repeats) {
    const table = new Table({
      head: ['', ...FIGURES.map(([, label]) => label)],
      style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] },
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    });
    for (const s of repeats.stages) {
      table.push([s.series, ...FIGURES.map(([f, , digits]) => withInterval(s.figures[f], digits))]);
    }
    lines.push(
      `${repeats.count} repetitions${repeats.fresh ? ' (a fresh deployment each)' : ''}: mean ± half-width of the ${fmt(repeats.confidence * 100, 0)}% Student-t interval`,
      table.toString(),
    );
    for (const s of repeats.searches)
      lines.push(`capacity ${s.stage} over the repetitions: ${withInterval(s.capacity, 2)}`);
  }
  return lines;
}
