/**
 * What a built dashboard holds, flat: its panels (row panels' too) with their row, queries and
 * actions, its annotation queries and variables. The panel map in grafana/README.md and the
 * grafana test tier both read dashboards through this.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';

export type QueryLanguage = 'promql' | 'logql' | 'infinity';

export interface PanelQuery {
  refId: string;
  language: QueryLanguage;
  /** PromQL or LogQL text, or the Infinity query's URL. */
  text: string;
  instant: boolean;
  raw: Record<string, unknown>;
}

export interface PanelInfo {
  id: number;
  title: string;
  description: string;
  type: string;
  row: string | null;
  gridPos: dashboard.GridPos;
  unit: string | undefined;
  queries: PanelQuery[];
  actions: dashboard.Action[];
  raw: dashboard.Panel;
}

function languageOf(ds: { type?: string } | undefined): QueryLanguage {
  if (ds?.type === 'prometheus') return 'promql';
  if (ds?.type === 'loki') return 'logql';
  if (ds?.type === 'yesoreyeram-infinity-datasource') return 'infinity';
  throw new Error(`unknown datasource type ${JSON.stringify(ds)}`);
}

function queriesOf(p: dashboard.Panel): PanelQuery[] {
  return (p.targets ?? []).map((t) => {
    const raw = t as unknown as Record<string, unknown>;
    const language = languageOf((raw.datasource as { type?: string }) ?? p.datasource);
    const text = String(language === 'infinity' ? raw.url : raw.expr);
    return { refId: String(raw.refId), language, text, instant: raw.instant === true, raw };
  });
}

export function panelsOf(d: dashboard.Dashboard): PanelInfo[] {
  const out: PanelInfo[] = [];
  const add = (p: dashboard.Panel, row: string | null) =>
    out.push({
      id: p.id ?? 0,
      title: p.title ?? '',
      description: p.description ?? '',
      type: p.type,
      row,
      gridPos: p.gridPos ?? { x: 0, y: 0, w: 0, h: 0 },
      unit: p.fieldConfig?.defaults?.unit,
      queries: queriesOf(p),
      actions: p.fieldConfig?.defaults?.actions ?? [],
      raw: p,
    });
  let row: string | null = null;
  for (const p of d.panels ?? []) {
    if (p.type === 'row') {
      const r = p as dashboard.RowPanel;
      row = r.title ?? '';
      for (const inner of r.panels) add(inner, row);
    } else add(p as dashboard.Panel, row);
  }
  return out;
}

export interface AnnotationInfo {
  name: string;
  language: QueryLanguage;
  expr: string;
}

export function annotationsOf(d: dashboard.Dashboard): AnnotationInfo[] {
  return (d.annotations.list ?? [])
    .filter((a) => a.datasource?.type !== 'grafana')
    .map((a) => ({ name: a.name, language: languageOf(a.datasource), expr: String(a.expr) }));
}

export interface VariableInfo {
  name: string;
  type: string;
  /** The query text of a query variable (label_values(...), query_result(...)), else ''. */
  query: string;
  language: QueryLanguage | null;
  /** A custom variable's values. */
  values: string[];
  raw: dashboard.VariableModel;
}

export function variablesOf(d: dashboard.Dashboard): VariableInfo[] {
  return (d.templating.list ?? []).map((v) => {
    const query = typeof v.query === 'string' ? v.query : '';
    return {
      name: v.name,
      type: v.type,
      query: v.type === 'query' ? query : '',
      language: v.type === 'query' ? languageOf(v.datasource ?? undefined) : null,
      values:
        v.type === 'custom'
          ? query
              .split(',')
              .map((o) => o.split(' : ').at(-1)!.trim())
              .filter(Boolean)
          : [],
      raw: v,
    };
  });
}
