/**
 * Figures as SVG strings, drawn on the server with Observable Plot over a linkedom document: no
 * script in the report, the same SVG inline in the HTML and as files beside the Markdown.
 * Legends are drawn inside the SVG (Plot's own are HTML), so each figure stands alone.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

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
export const colorAt = (i: number) => PALETTE[i % PALETTE.length]!;

const { document } = parseHTML('<!doctype html><html><body></body></html>');

export interface LegendEntry {
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

export function renderSvg(options: Plot.PlotOptions, entries: LegendEntry[]): string {
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
