/** The timeline's panels: one small chart per kind of series, stage windows shaded and named. */
import * as Plot from '@observablehq/plot';
import type { StageSummary } from '../core/summary';
import { colorAt, type Figure, type LegendEntry, renderSvg } from './svg';
import type { ReportData, Timeline, TimelineKey, TimelineSeries } from './types';

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
  const svg = renderSvg(
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

export function timelineFigures(run: ReportData, prefix: string): Figure[] | { note: string } {
  if ('unavailable' in run.timeline) return { note: run.timeline.unavailable };
  const timeline = run.timeline;
  return PANELS.map((panel) => timelinePanel(run, timeline, panel, prefix));
}
