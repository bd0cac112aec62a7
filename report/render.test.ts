import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { StageSummary } from '../core/summary';
import { type SampleStage, sampleRun } from '../test/fixtures/report';
import { collectReportData } from './collect';
import { renderReport } from './render';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const STAGES: SampleStage[] = [
  { name: 'r10', rate: 10, ttftMs: 40, itlMs: 5 },
  { name: 'r20', rate: 20, ttftMs: 80, itlMs: 7 },
  { name: 'r40', rate: 40, ttftMs: 300, itlMs: 12, valid: false },
];

async function data(id: string, options: Parameters<typeof sampleRun>[2] = {}, stages = STAGES) {
  const run = sampleRun(id, stages, options);
  dirs.push(run.dir);
  return collectReportData(run.summary, { resultsDir: run.dir, prometheusUrl: null });
}

const plotIds = (html: string) => [...html.matchAll(/data-plot="([^"]+)"/g)].map((m) => m[1]);
const missingIds = (html: string) => [...html.matchAll(/data-plot-missing="([^"]+)"/g)].map((m) => m[1]);

describe('renderReport', () => {
  it('draws every figure it has data for, as inline SVG, in a document that fetches nothing', async () => {
    const { html, markdown, figures } = renderReport([await data('bench-one-aaaaaa')], {
      figures: { dir: 'report-figures' },
    });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    // Only in-page links (the SVG namespace is a name, not a fetch).
    expect(html.match(/(href|src)="[^#"][^"]*"/g)).toBeNull();
    expect(plotIds(html)).toEqual([
      'ttft-vs-rate',
      'tpot-vs-rate',
      'cdf-ttft',
      'cdf-itl',
      'cdf-e2e',
      'timeline-requests',
      'timeline-kv-cache',
    ]);
    // Without Prometheus: said, not drawn empty.
    expect(missingIds(html)).toEqual(['timeline-rate', 'timeline-gpu', 'timeline-power', 'timeline-cpu']);
    expect(html).toContain('no Prometheus configured (AIFB_PROMETHEUS_URL');
    for (const f of figures) {
      expect(f.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), f.id).toBe(true);
      // Every figure has a drawn line (a path with points), not just axes.
      expect(f.svg, f.id).toMatch(/<path[^>]* d="M[\d.]+,[\d.]+L/);
    }
    expect(html).toContain('invalid stage');
    expect(html).not.toContain('capacity');
    expect(markdown).toContain('![TTFT percentiles against achieved rate](report-figures/ttft-vs-rate.svg)');
    expect(markdown).toContain('| r40 | constant | 40/s |');
    expect(markdown).toContain('**GPU utilisation over the run.** Not drawn:');
  });

  it('marks a found capacity, from the summary or from the stage that found it', async () => {
    const top = renderReport(
      [await data('bench-cap-aaaaaa', { extra: { capacity: { ratePerS: 15, stage: 'r20' } } })],
      {
        figures: 'inline',
      },
    );
    expect(top.html).toContain('capacity 15.00 req/s (r20)');
    expect(top.html).toContain('<td>found capacity</td><td>15 req/s (stage r20)</td>');
    const onStage = renderReport(
      [
        await data('bench-cap-bbbbbb', {
          stageExtra: (s: StageSummary) => (s.name === 'r20' ? { capacity: { concurrency: 8 } } : {}),
        }),
      ],
      { figures: 'inline' },
    );
    // No rate given: the stage's achieved rate.
    expect(onStage.html).toContain('capacity 20.00 req/s (r20)');
    expect(onStage.markdown).toMatch(
      /!\[TTFT percentiles against achieved rate\]\(data:image\/svg\+xml;base64,/,
    );
    // A capacity of a shape it does not know is left out, not guessed.
    const odd = renderReport([await data('bench-cap-cccccc', { extra: { capacity: 'lots' } })], {
      figures: 'inline',
    });
    expect(odd.html).not.toContain('found capacity');
  });

  it('lists fields of a newer summary it has no place for, and renders the same twice', async () => {
    const d = await data('bench-env-aaaaaa', {
      extra: { environment: { nodes: ['n1', 'n2'], gpus: { model: 'A100', count: 4 } } },
    });
    const a = renderReport([d], { figures: 'inline' });
    expect(a.html).toContain('<td>environment.nodes.1</td><td>n2</td>');
    expect(a.html).toContain('<td>environment.gpus.model</td><td>A100</td>');
    expect(renderReport([d], { figures: 'inline' }).html).toBe(a.html);
  });

  it('compares several runs: one curve per run, a timeline each, deltas against the first', async () => {
    const a = await data('bench-cmp-aaaaaa');
    const b = await data('bench-cmp-bbbbbb', {}, [
      { name: 'r10', rate: 10, ttftMs: 60, itlMs: 6 },
      { name: 'r20', rate: 19, ttftMs: 120, itlMs: 8 },
    ]);
    const { html, markdown } = renderReport([a, b], { figures: { dir: 'f' } });
    expect(html).toContain('<title>aifb report: bench-cmp-aaaaaa vs bench-cmp-bbbbbb</title>');
    expect(plotIds(html)).toEqual(
      expect.arrayContaining(['run1-timeline-requests', 'run2-timeline-requests', 'compare-deltas']),
    );
    expect(html).toContain('bench-cmp-bbbbbb p99');
    expect(markdown).toContain('## Comparison');
    // TTFT p50 of r10: 40 + 4.9 ms → 60 + 4.9 ms.
    expect(markdown).toContain('| r10 | TTFT p50 ms | 44.93 | 64.93 (+20.00, +44.5%) worse |');
  });

  it('renders an old or partial summary: no windows, no validity, no latencies', async () => {
    const d = await data('bench-old-aaaaaa', {
      stageExtra: () => ({
        window: undefined,
        validity: undefined,
        latencyMs: { ttft: null, e2e: null, tpot: null, itl: null, itlPerToken: null },
      }),
    });
    const { html } = renderReport([d], { figures: 'inline' });
    expect(missingIds(html)).toEqual(expect.arrayContaining(['ttft-vs-rate', 'tpot-vs-rate']));
    expect(html).toContain('no stage recorded TTFT');
  });

  it('breaks a client-rate line between stages instead of bridging it', async () => {
    const d = await data('bench-gap-aaaaaa');
    if ('unavailable' in d.timeline) throw new Error(d.timeline.unavailable);
    const t0 = d.timeline.startMs;
    const points: [number, number][] = [];
    for (let s = 3; s < 8; s++) points.push([t0 + s * 1000, 10]);
    for (let s = 15; s < 20; s++) points.push([t0 + s * 1000, 20]);
    d.timeline.series.push({ key: 'clientSent', label: 'sent', unit: 'req/s', points });
    const { figures } = renderReport([d], { figures: 'inline' });
    const svg = figures.find((f) => f.id === 'timeline-rate')!.svg;
    const path = /aria-label="line"><path d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(path.match(/M/g)).toHaveLength(2);
    expect(path.match(/L/g)).toHaveLength(8);
  });
});
