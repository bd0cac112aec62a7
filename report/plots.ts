/**
 * The report's figures as SVG, drawn on the server with Observable Plot over a linkedom
 * document: no script in the report, the same SVG inline in the HTML and as files beside the
 * Markdown. Legends are drawn inside the SVG (Plot's own are HTML) so each figure stands alone.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import type { BenchmarkSummary, StageSummary } from '../core/summary';
import type { ComparedRow } from './compare';
import { foundCapacity } from './extras';
import {
  CDF_METRICS,
  type CdfMetric,
  type ReportData,
  type Timeline,
  type TimelineKey,
  type TimelineSeries,
} from './types';

export interface Figure {
  /** File-safe and unique in a report: the Markdown's file name, the HTML's `data-plot`. */
  id: string;
  title: string;
  caption: string;
  /** The figure, or null with `note` saying why there is nothing to draw. */
  svg: string | null;
  note?: string;
}

const WIDTH = 760;
const HEIGHT = 300;
/** Plot's default categorical scheme (observable10), fixed so colours are stable. */
const PALETTE = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5'];
const colorAt = (i: number) => PALETTE[i % PALETTE.length]!;

const { document } = parseHTML('<!doctype html><html><body></body></html>');

interface LegendEntry {
  label: string;
  color: string;
  dash?: string;
  /** A symbol instead of a line (a marker-only entry). */
  symbol?: 'ring' | 'square';
}

/** The little of the DOM a legend needs (the project compiles without the DOM's types). */
interface SvgNode {
  setAttribute(name: string, value: string): void;
  appendChild(child: SvgNode): void;
  textContent: string | null;
}
type RenderContext = { document: { createElementNS(ns: string, name: string): SvgNode } };
const SVG_NS = 'http://www.w3.org/2000/svg';

/** Swatches in the top margin, wrapped to the width; returns the mark and the margin it needs. */
function legend(entries: LegendEntry[], marginLeft: number): { mark: Plot.Markish; marginTop: number } {
  const placed: { entry: LegendEntry; x: number; row: number }[] = [];
  let x = 0;
  let row = 0;
  for (const entry of entries) {
    const w = 30 + entry.label.length * 6 + 16;
    if (x > 0 && marginLeft + x + w > WIDTH - 10) {
      row++;
      x = 0;
    }
    placed.push({ entry, x, row });
    x += w;
  }
  const marginTop = entries.length === 0 ? 24 : 30 + (row + 1) * 15;
  // A render function: real line, ring or square swatches drawn in the margin, in pixels.
  const mark = (
    _index: unknown,
    _scales: unknown,
    _values: unknown,
    _dims: unknown,
    context: RenderContext,
  ) => {
    const doc = context.document;
    const el = (name: string, attrs: Record<string, string | number>) => {
      const node = doc.createElementNS(SVG_NS, name);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
      return node;
    };
    const g = el('g', { 'aria-label': 'legend', 'font-size': 11 });
    for (const { entry, x, row } of placed) {
      const left = marginLeft + x;
      const y = 26 + row * 15;
      if (entry.symbol === 'ring') {
        g.appendChild(
          el('circle', {
            cx: left + 11,
            cy: y,
            r: 5,
            fill: 'none',
            stroke: entry.color,
            'stroke-width': 1.5,
          }),
        );
      } else if (entry.symbol === 'square') {
        g.appendChild(el('rect', { x: left + 5, y: y - 5, width: 12, height: 10, fill: entry.color }));
      } else {
        g.appendChild(
          el('line', {
            x1: left,
            x2: left + 22,
            y1: y,
            y2: y,
            stroke: entry.color,
            'stroke-width': 2,
            ...(entry.dash ? { 'stroke-dasharray': entry.dash } : {}),
          }),
        );
      }
      const text = el('text', {
        x: left + 28,
        y,
        dy: '0.32em',
        'text-anchor': 'start',
        fill: 'currentColor',
      });
      text.textContent = entry.label;
      g.appendChild(text);
    }
    return g;
  };
  return { mark: mark as unknown as Plot.Markish, marginTop };
}

function render(options: Plot.PlotOptions, entries: LegendEntry[]): string {
  const marginLeft = options.marginLeft ?? 50;
  const { mark, marginTop } = legend(entries, marginLeft);
  const svg = Plot.plot({
    ...options,
    document: document as never,
    width: WIDTH,
    height: (options.height ?? HEIGHT) + marginTop,
    marginTop,
    marginLeft,
    marginRight: options.marginRight ?? 20,
    style: { background: 'white', color: '#222', fontSize: '11px' },
    marks: [...(options.marks ?? []), mark],
  }) as unknown as { outerHTML: string };
  const text = svg.outerHTML;
  // A standalone .svg file needs its namespace; inline in HTML it does no harm.
  return text.startsWith('<svg xmlns')
    ? text
    : text.replace(/^<svg/, '<svg xmlns="http://www.w3.org/2000/svg"');
}

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
  const svg = render(
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
  const svg = render(
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

// ---- timeline -------------------------------------------------------------------------------

const PANELS: { id: string; title: string; unit: string; keys: TimelineKey[] }[] = [
  { id: 'rate', title: 'Client request rate', unit: 'req/s', keys: ['clientSent', 'clientCompleted'] },
  {
    id: 'requests',
    title: 'Server running and waiting requests',
    unit: 'requests',
    keys: ['running', 'waiting'],
  },
  { id: 'kv-cache', title: 'KV cache use', unit: '%', keys: ['kvCache'] },
  { id: 'gpu', title: 'GPU utilisation', unit: '%', keys: ['gpuUtil'] },
  { id: 'power', title: 'GPU power', unit: 'W', keys: ['gpuPower'] },
  { id: 'cpu', title: 'Service CPU', unit: 'cores', keys: ['serviceCpu'] },
];

const gpuAbsence = (stages: readonly StageSummary[]) => {
  for (const s of stages) {
    const gpu = s.system && 'gpu' in s.system ? s.system.gpu : undefined;
    if (gpu && 'absent' in gpu) return gpu.absent;
  }
  return null;
};

/**
 * A series with a NaN where samples stop for over 3 of its usual intervals (a client rate
 * between stages): Plot breaks the line there instead of bridging the gap.
 */
export function withGaps(points: readonly [number, number][]): [number, number][] {
  if (points.length < 3) return [...points];
  const steps = points
    .slice(1)
    .map(([t], i) => t - points[i]![0])
    .sort((a, b) => a - b);
  const gap = 3 * steps[Math.floor(steps.length / 2)]!;
  const out: [number, number][] = [points[0]!];
  for (let i = 1; i < points.length; i++) {
    if (points[i]![0] - points[i - 1]![0] > gap)
      out.push([(points[i]![0] + points[i - 1]![0]) / 2, Number.NaN]);
    out.push(points[i]!);
  }
  return out;
}

function timelinePanel(
  run: ReportData,
  timeline: Timeline,
  panel: (typeof PANELS)[number],
  prefix: string,
): Figure {
  const id = `${prefix}timeline-${panel.id}`;
  const title = `${panel.title} over the run`;
  const t0 = timeline.startMs;
  const caption = `Seconds since the run started (${new Date(t0).toISOString()}); shaded: each stage's measured window. Source: ${timeline.source === 'prometheus' ? `Prometheus range queries, ${timeline.stepS} s step` : 'the raw scrapes of the service'}.`;
  const series = panel.keys
    .map((k) => timeline.series.find((s) => s.key === k))
    .filter((s): s is TimelineSeries => s !== undefined);
  if (series.length === 0) {
    const why =
      panel.keys.some((k) => k.startsWith('gpu')) && gpuAbsence(run.summary.stages)
        ? `no GPU on the service's node (${gpuAbsence(run.summary.stages)})`
        : timeline.source === 'scrapes'
          ? 'needs Prometheus (this timeline comes from the raw scrapes of the service)'
          : 'Prometheus holds no such series for this run';
    return { id, title, caption, svg: null, note: why };
  }
  const windows = run.summary.stages
    .filter((s) => s.window)
    .map((s) => ({ name: s.name, x1: (s.window!.startMs - t0) / 1000, x2: (s.window!.endMs - t0) / 1000 }));
  const data = series.flatMap((s) =>
    withGaps(s.points).map(([t, v]) => ({ series: s.label, t: (t - t0) / 1000, v })),
  );
  const names = series.map((s) => s.label);
  const entries: LegendEntry[] = names.map((label, i) => ({ label, color: colorAt(i) }));
  if (windows.length) entries.push({ label: 'stage window', color: '#c8c8c8', symbol: 'square' });
  const svg = render(
    {
      height: 220,
      x: { label: 'seconds since start →', domain: [0, (timeline.endMs - t0) / 1000], grid: true },
      y: {
        label: `↑ ${panel.unit}`,
        // The largest value (NaN marks a gap), or 1 for an all-zero series.
        domain: [0, Math.max(0, ...data.filter((d) => !Number.isNaN(d.v)).map((d) => d.v)) || 1],
        nice: true,
        grid: true,
      },
      color: { domain: names, range: names.map((_, i) => colorAt(i)) },
      marks: [
        Plot.rectX(windows, { x1: 'x1', x2: 'x2', fill: '#e4e4e4', fillOpacity: 0.8 }),
        Plot.text(windows, {
          x: (d: (typeof windows)[number]) => (d.x1 + d.x2) / 2,
          frameAnchor: 'top',
          dy: 4,
          text: 'name',
          fill: '#666',
        }),
        Plot.ruleY([0]),
        Plot.line(data, { x: 't', y: 'v', z: 'series', stroke: 'series', strokeWidth: 1.5 }),
      ],
    },
    entries,
  );
  return { id, title, caption, svg };
}

function timelineFigures(run: ReportData, prefix: string): Figure[] | { note: string } {
  if ('unavailable' in run.timeline) return { note: run.timeline.unavailable };
  const timeline = run.timeline;
  return PANELS.map((panel) => timelinePanel(run, timeline, panel, prefix));
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
  const svg = render(
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
