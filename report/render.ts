/**
 * A report of one or several benchmarks as one self-contained HTML document (inline CSS and SVG,
 * no script, a Content-Security-Policy that forbids every fetch) and as Markdown whose figures
 * are SVG files beside it, or data: URIs when it must stand alone (the API's).
 */
import type { BenchmarkSummary } from '../core/summary';
import { compareRuns } from './compare';
import { type Figure, type ReportFigures, reportFigures } from './plots';
import { comparisonTable, otherTable, runTable, stageTable, type Table } from './tables';
import type { ReportData } from './types';

export interface RenderedReport {
  html: string;
  markdown: string;
  /** Every drawn figure (`<id>.svg` beside the Markdown when written to files). */
  figures: { id: string; svg: string }[];
}

export interface MarkdownOptions {
  /** Where the Markdown finds the figures: a folder beside it, or inline as data: URIs. */
  figures: { dir: string } | 'inline';
}

export function reportTitle(summaries: readonly BenchmarkSummary[]): string {
  return summaries.length === 1
    ? `aifb report: ${summaries[0]!.benchmarkId} (${summaries[0]!.recipeName})`
    : `aifb report: ${summaries.map((s) => s.benchmarkId).join(' vs ')}`;
}

// ---- HTML -------------------------------------------------------------------------------------

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function htmlTable(t: Table, cls = ''): string {
  const head = t.head.some((h) => h !== '')
    ? `<thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>`
    : '';
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}>${head}<tbody>\n${rows}\n</tbody></table>`;
}

function htmlFigure(f: Figure): string {
  const caption = `<figcaption><strong>${esc(f.title)}.</strong> ${esc(f.caption)}</figcaption>`;
  if (f.svg === null) {
    return `<figure class="missing" data-plot-missing="${esc(f.id)}"><figcaption><strong>${esc(f.title)}.</strong></figcaption><p class="note">Not drawn: ${esc(f.note ?? '')}</p></figure>`;
  }
  const note = f.note ? `<p class="note">${esc(f.note)}</p>` : '';
  return `<figure data-plot="${esc(f.id)}">${caption}${f.svg}${note}</figure>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 0 auto; max-width: 1100px; padding: 1em 2em 4em; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; } h3 { margin-top: 1.5em; }
table { border-collapse: collapse; margin: .6em 0; font-size: 12.5px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } table.kv td:first-child { color: #555; white-space: nowrap; }
figure { margin: 1.2em 0; } figcaption { font-size: 12.5px; color: #444; margin-bottom: .4em; max-width: 760px; }
figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
.note { color: #8a5a00; background: #fff8e6; border-left: 3px solid #e0b040; padding: .3em .6em; font-size: 12.5px; max-width: 740px; }
nav a { margin-right: 1em; } .wide { overflow-x: auto; }
`;

function htmlDocument(runs: readonly ReportData[], figures: ReportFigures): string {
  const summaries = runs.map((r) => r.summary);
  const title = reportTitle(summaries);
  const parts: string[] = [];
  parts.push(`<h1>${esc(title)}</h1>`);
  parts.push(
    `<nav><a href="#runs">runs</a><a href="#curves">latency vs rate</a><a href="#distributions">distributions</a><a href="#timeline">timeline</a>${runs.length > 1 ? '<a href="#comparison">comparison</a>' : ''}</nav>`,
  );
  parts.push('<section id="runs"><h2>Runs</h2>');
  for (const s of summaries) {
    parts.push(`<h3>${esc(s.benchmarkId)}</h3>`, htmlTable(runTable(s), 'kv'));
    parts.push(`<div class="wide">${htmlTable(stageTable(s))}</div>`);
    const other = otherTable(s);
    if (other)
      parts.push(
        `<details><summary>other fields (${other.rows.length})</summary>${htmlTable(other, 'kv')}</details>`,
      );
  }
  parts.push('</section>');
  parts.push(
    '<section id="curves"><h2>Latency against throughput</h2>',
    ...figures.curves.map(htmlFigure),
    '</section>',
  );
  parts.push(
    '<section id="distributions"><h2>Latency distributions</h2>',
    ...figures.distributions.map(htmlFigure),
    '</section>',
  );
  parts.push('<section id="timeline"><h2>Timeline</h2>');
  for (const t of figures.timelines) {
    if (runs.length > 1) parts.push(`<h3>${esc(t.benchmarkId)}</h3>`);
    if (t.note) parts.push(`<p class="note">No timeline: ${esc(t.note)}</p>`);
    for (const n of t.notes) parts.push(`<p class="note">${esc(n)}</p>`);
    parts.push(...t.figures.map(htmlFigure));
  }
  parts.push('</section>');
  if (figures.comparison) {
    parts.push(
      '<section id="comparison"><h2>Comparison</h2>',
      htmlFigure(figures.comparison),
      `<div class="wide">${htmlTable(comparisonTable(summaries, compareRuns(summaries)))}</div>`,
      '</section>',
    );
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="aifb report">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${parts.join('\n')}
</body>
</html>
`;
}

// ---- Markdown ---------------------------------------------------------------------------------

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function mdTable(t: Table): string {
  const head = t.head.some((h) => h !== '') ? t.head : t.head.map((_, i) => (i === 0 ? 'field' : 'value'));
  return [
    `| ${head.map(mdCell).join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
  ].join('\n');
}

function mdFigure(f: Figure, options: MarkdownOptions): string {
  if (f.svg === null) return `**${f.title}.** Not drawn: ${f.note ?? ''}`;
  const src =
    options.figures === 'inline'
      ? `data:image/svg+xml;base64,${Buffer.from(f.svg).toString('base64')}`
      : `${options.figures.dir}/${f.id}.svg`;
  return [`![${f.title}](${src})`, '', `*${f.title}.* ${f.caption}${f.note ? ` ${f.note}` : ''}`].join('\n');
}

function markdownDocument(
  runs: readonly ReportData[],
  figures: ReportFigures,
  options: MarkdownOptions,
): string {
  const summaries = runs.map((r) => r.summary);
  const out: string[] = [`# ${reportTitle(summaries)}`, '', '## Runs'];
  for (const s of summaries) {
    out.push('', `### ${s.benchmarkId}`, '', mdTable(runTable(s)), '', mdTable(stageTable(s)));
    const other = otherTable(s);
    if (other) out.push('', `Other fields (${other.rows.length}):`, '', mdTable(other));
  }
  out.push('', '## Latency against throughput');
  for (const f of figures.curves) out.push('', mdFigure(f, options));
  out.push('', '## Latency distributions');
  for (const f of figures.distributions) out.push('', mdFigure(f, options));
  out.push('', '## Timeline');
  for (const t of figures.timelines) {
    if (runs.length > 1) out.push('', `### ${t.benchmarkId}`);
    if (t.note) out.push('', `> No timeline: ${t.note}`);
    for (const n of t.notes) out.push('', `> ${n}`);
    for (const f of t.figures) out.push('', mdFigure(f, options));
  }
  if (figures.comparison) {
    out.push('', '## Comparison', '', mdFigure(figures.comparison, options));
    out.push('', mdTable(comparisonTable(summaries, compareRuns(summaries))));
  }
  return `${out.join('\n')}\n`;
}

export function renderReport(runs: readonly ReportData[], markdown: MarkdownOptions): RenderedReport {
  if (runs.length === 0) throw new Error('a report needs at least one benchmark');
  const rows = compareRuns(runs.map((r) => r.summary));
  const figures = reportFigures(runs, rows);
  const all = [
    ...figures.curves,
    ...figures.distributions,
    ...figures.timelines.flatMap((t) => t.figures),
    ...(figures.comparison ? [figures.comparison] : []),
  ];
  return {
    html: htmlDocument(runs, figures),
    markdown: markdownDocument(runs, figures, markdown),
    figures: all.filter((f) => f.svg !== null).map((f) => ({ id: f.id, svg: f.svg! })),
  };
}
