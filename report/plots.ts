/**
 * The report's figures: latency against achieved rate (the found capacity marked), the latency
 * distributions, the timeline panels (plot-timeline.ts) and, for several runs, the deltas.
 */
import * as Plot from '@observablehq/plot';
import type { BenchmarkSummary } from '../core/summary';
import type { ComparedRow } from './compare';
import { foundCapacity } from './extras';
import { timelineFigures } from './plot-timeline';
import { colorAt, type Figure, type LegendEntry, renderSvg } from './svg';
import { CDF_METRICS, type CdfMetric, type ReportData } from './types';

export type { Figure } from './svg';

const shortId = (summary: BenchmarkSummary) => summary.benchmarkId;

// ---- latency against achieved rate -------------------------------------------------------

interface CurvePoint {
  series: string;
  stage: string;
  rate: number;
  ms: number;
  valid: boolean;
}

const PERCENTILES = [
  ['p50', ''],
  ['p90', '2,2'],
  ['p99', '6,3'],
] as const;

function latencyCurve(runs: readonly ReportData[], metric: 'ttft' | 'tpot', label: string): Figure {
  const id = `${metric}-vs-rate`;
  const title = `${label} percentiles against achieved rate`;
  const multi = runs.length > 1;
  const percentiles = multi ? PERCENTILES.filter(([p]) => p !== 'p90') : PERCENTILES;
  const points: CurvePoint[] = [];
  const entries: LegendEntry[] = [];
  runs.forEach((run, r) => {
    for (const [p, dash] of percentiles) {
      const series = multi ? `${shortId(run.summary)} ${p}` : p;
      const stages = run.summary.stages
        .filter((s) => s.latencyMs[metric])
        .sort((a, b) => a.rate.achievedPerS - b.rate.achievedPerS);
      if (stages.length === 0) continue;
      entries.push({
        label: series,
        color: colorAt(multi ? r : percentiles.findIndex(([q]) => q === p)),
        dash,
      });
      for (const s of stages) {
        points.push({
          series,
          stage: s.name,
          rate: s.rate.achievedPerS,
          ms: s.latencyMs[metric]![p],
          valid: s.validity?.valid !== false,
        });
      }
    }
  });
  const caption = `Each point is a stage: x its achieved rate (requests sent per second in the measured window), y the ${label} percentile over its measured window.`;
  if (points.length === 0) return { id, title, caption, svg: null, note: `no stage recorded ${label}` };
  const marks: Plot.Markish[] = [Plot.ruleY([0])];
  for (const entry of entries) {
    const data = points.filter((d) => d.series === entry.label);
    marks.push(
      Plot.line(data, {
        x: 'rate',
        y: 'ms',
        stroke: entry.color,
        strokeWidth: 1.8,
        ...(entry.dash ? { strokeDasharray: entry.dash } : {}),
      }),
      Plot.dot(data, {
        x: 'rate',
        y: 'ms',
        fill: entry.color,
        r: 3,
        title: (d: CurvePoint) =>
          `${d.series} stage ${d.stage}: ${d.rate.toFixed(2)} req/s, ${d.ms.toFixed(1)} ms`,
      }),
    );
  }
  const invalid = points.filter((d) => !d.valid);
  if (invalid.length > 0) {
    marks.push(Plot.dot(invalid, { x: 'rate', y: 'ms', r: 7, stroke: '#d62728', strokeWidth: 1.5 }));
    entries.push({ label: 'invalid stage', color: '#d62728', symbol: 'ring' });
  }
  if (!multi) {
    // Stage names beside the top curve's points.
    const top = points.filter(
      (d) => d.series === entries[entries.length - (invalid.length > 0 ? 2 : 1)]!.label,
    );
    marks.push(Plot.text(top, { x: 'rate', y: 'ms', text: 'stage', dy: -9, fontSize: 10, fill: '#555' }));
  }
  runs.forEach((run, r) => {
    const cap = foundCapacity(run.summary);
    if (!cap) return;
    const color = multi ? colorAt(r) : '#d62728';
    marks.push(
      Plot.ruleX([cap.ratePerS], { stroke: color, strokeDasharray: '5,4', strokeWidth: 1.5 }),
      Plot.text([cap.ratePerS], {
        x: (v: number) => v,
        frameAnchor: 'top',
        dy: 4,
        dx: 4,
        textAnchor: 'start',
        fill: color,
        text: () => `capacity ${cap.ratePerS.toFixed(2)} req/s${cap.stage ? ` (${cap.stage})` : ''}`,
      }),
    );
    if (!entries.some((e) => e.label.startsWith('found capacity')))
      entries.push({ label: 'found capacity', color, dash: '5,4' });
  });
  const svg = renderSvg(
    {
      x: { label: 'achieved rate (req/s) →', zero: true, nice: true, grid: true },
      y: { label: `↑ ${label} (ms)`, zero: true, nice: true, grid: true },
      marks,
    },
    entries,
  );
  return { id, title, caption, svg };
}

// ---- latency distributions ----------------------------------------------------------------

const CDF_LABELS: Record<CdfMetric, string> = {
  ttft: 'TTFT',
  itl: 'ITL (per chunk)',
  e2e: 'E2E latency',
};

/** Line styles that tell runs apart when colours tell stages apart. */
const RUN_DASHES = ['', '6,3', '2,2', '8,3,2,3'];

function cdfFigure(runs: readonly ReportData[], metric: CdfMetric): Figure {
  const label = CDF_LABELS[metric];
  const id = `cdf-${metric}`;
  const title = `${label} distribution`;
  const multi = runs.length > 1;
  const caption = `Cumulative distribution of ${label} per stage, from the merged HDR histograms of all clients (measured window only)${multi ? '; colour: stage, line style: run' : ''}.`;
  const lines: { color: string; dash: string; points: { ms: number; pct: number }[]; title: string }[] = [];
  const stageNames: string[] = [];
  const notes: string[] = [];
  runs.forEach((run, r) => {
    if ('unavailable' in run.distributions) {
      notes.push(`${shortId(run.summary)}: ${run.distributions.unavailable}`);
      return;
    }
    for (const stage of run.distributions.stages) {
      const cdf = stage.cdf[metric];
      if (!cdf || cdf.length === 0) continue;
      if (!stageNames.includes(stage.name)) stageNames.push(stage.name);
      // A step: each recorded value holds its fraction until the next.
      const points: { ms: number; pct: number }[] = [];
      let previous = 0;
      for (const [ms, fraction] of cdf) {
        points.push({ ms, pct: previous * 100 }, { ms, pct: fraction * 100 });
        previous = fraction;
      }
      lines.push({
        color: colorAt(stageNames.indexOf(stage.name)),
        dash: RUN_DASHES[r % RUN_DASHES.length]!,
        points,
        title: `${multi ? `${shortId(run.summary)} ` : ''}${stage.name}: ${stage.counts[metric] ?? 0} values`,
      });
    }
  });
  if (lines.length === 0) {
    return { id, title, caption, svg: null, note: notes.join('; ') || `no stage recorded ${label}` };
  }
  const entries: LegendEntry[] = stageNames.map((name, i) => ({ label: name, color: colorAt(i) }));
  if (multi) {
    for (const [r, run] of runs.entries()) {
      const dash = RUN_DASHES[r % RUN_DASHES.length]!;
      entries.push({ label: shortId(run.summary), color: '#555', ...(dash ? { dash } : {}) });
    }
  }
  // Stages far apart (an overloaded one beside light ones) share a log axis, so each stays readable.
  const medians = lines.map((l) => l.points.find((p) => p.pct >= 50)?.ms ?? 0);
  const lowest = Math.min(...lines.flatMap((l) => l.points.map((p) => p.ms)));
  const log = lowest > 0 && Math.min(...medians) > 0 && Math.max(...medians) / Math.min(...medians) > 3;
  const svg = renderSvg(
    {
      x: log
        ? { type: 'log', label: `${label} (ms, log scale) →`, grid: true }
        : { label: `${label} (ms) →`, grid: true },
      y: { label: '↑ requests at or below (%)', domain: [0, 100], grid: true },
      marks: [
        Plot.ruleY([0]),
        Plot.ruleY([50, 99], { stroke: '#999', strokeDasharray: '2,3' }),
        ...lines.map((l) =>
          Plot.line(l.points, {
            x: 'ms',
            y: 'pct',
            stroke: l.color,
            strokeWidth: 1.6,
            ...(l.dash ? { strokeDasharray: l.dash } : {}),
            title: () => l.title,
          }),
        ),
      ],
    },
    entries,
  );
  return { id, title, caption, svg, ...(notes.length ? { note: notes.join('; ') } : {}) };
}

// ---- comparison -----------------------------------------------------------------------------

function deltaFigure(runs: readonly ReportData[], rows: readonly ComparedRow[]): Figure {
  const id = 'compare-deltas';
  const title = 'Each run against the first';
  const caption = `Change of each figure that changed against ${shortId(runs[0]!.summary)}, in percent, per stage; green: better, red: worse (the table below has them all).`;
  const data = rows.flatMap((row) =>
    row.cells.slice(1).flatMap((cell, i) =>
      // Unchanged figures would only lengthen the chart; the table lists them.
      cell.percent === null || Math.abs(cell.percent) < 0.05
        ? []
        : [
            {
              what: `${row.stage} · ${row.metric}`,
              run: shortId(runs[i + 1]!.summary),
              percent: cell.percent,
              better: cell.better,
            },
          ],
    ),
  );
  if (data.length === 0) {
    return { id, title, caption, svg: null, note: 'no figure changed, or the runs share no stage name' };
  }
  const whats = [...new Set(data.map((d) => d.what))];
  const svg = renderSvg(
    {
      height: Math.max(120, whats.length * (runs.length - 1) * 14 + 40),
      marginLeft: 230,
      x: { label: 'change against the first run (%) →', grid: true },
      y: { domain: whats, label: null },
      fy: runs.length > 2 ? { label: null } : undefined,
      marks: [
        Plot.barX(data, {
          x: 'percent',
          y: 'what',
          ...(runs.length > 2 ? { fy: 'run' } : {}),
          fill: (d: (typeof data)[number]) => (d.better === null ? '#999' : d.better ? '#3ca951' : '#d62728'),
          title: (d: (typeof data)[number]) => `${d.run} ${d.what}: ${d.percent.toFixed(1)}%`,
        }),
        Plot.ruleX([0]),
      ],
    },
    [
      { label: 'better', color: '#3ca951', symbol: 'square' },
      { label: 'worse', color: '#d62728', symbol: 'square' },
    ],
  );
  return { id, title, caption, svg };
}

export interface ReportFigures {
  curves: Figure[];
  distributions: Figure[];
  /** One set per run, each under its run id. */
  timelines: { benchmarkId: string; figures: Figure[]; note?: string; notes: string[] }[];
  comparison: Figure | null;
}

export function reportFigures(runs: readonly ReportData[], rows: readonly ComparedRow[]): ReportFigures {
  return {
    curves: [latencyCurve(runs, 'ttft', 'TTFT'), latencyCurve(runs, 'tpot', 'TPOT')],
    distributions: CDF_METRICS.map((m) => cdfFigure(runs, m)),
    timelines: runs.map((run, i) => {
      const figures = timelineFigures(run, runs.length > 1 ? `run${i + 1}-` : '');
      const notes = 'unavailable' in run.timeline ? [] : run.timeline.notes;
      return Array.isArray(figures)
        ? { benchmarkId: run.summary.benchmarkId, figures, notes }
        : { benchmarkId: run.summary.benchmarkId, figures: [], note: figures.note, notes };
    }),
    comparison: runs.length > 1 ? deltaFigure(runs, rows) : null,
  };
}
