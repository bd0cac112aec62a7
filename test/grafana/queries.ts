/**
 * Every query the dashboards hold, with where it is, and Grafana's variable substitution
 * ($var, ${var}, [[var]], $__interval, $__rate_interval, $__range) as Grafana does it before a
 * query reaches Prometheus or Loki.
 */
import type { BuiltDashboard } from '../../grafana/src/common';
import { annotationsOf, panelsOf, type QueryLanguage, variablesOf } from '../../grafana/src/inventory';

export interface Expr {
  dashboard: string;
  /** `panel "<title>" <refId>`, `annotation <name>` or `variable <name>`. */
  where: string;
  panel: string | null;
  refId: string | null;
  language: QueryLanguage;
  /** As in the dashboard (variables unsubstituted). */
  text: string;
  kind: 'range' | 'instant' | 'annotation' | 'variable';
}

/**
 * The query inside a variable's query: `label_values(<selector>, label)`, `label_values(label)`,
 * `query_result(<expr>)`. Returns the expression (null for a bare label) and the label.
 */
export function variableInner(query: string): { expr: string | null; label: string | null } {
  const result = /^query_result\((.*)\)$/s.exec(query.trim());
  if (result) return { expr: result[1]!, label: null };
  const values = /^label_values\((?:(.*),\s*)?([A-Za-z_][A-Za-z0-9_]*)\)$/s.exec(query.trim());
  if (values) return { expr: values[1] ?? null, label: values[2]! };
  throw new Error(`unknown variable query form: ${query}`);
}

export function exprsOf(d: BuiltDashboard): Expr[] {
  const out: Expr[] = [];
  const base = { dashboard: d.json.uid ?? d.file };
  for (const p of panelsOf(d.json)) {
    for (const q of p.queries) {
      out.push({
        ...base,
        where: `panel "${p.title}" ${q.refId}`,
        panel: p.title,
        refId: q.refId,
        language: q.language,
        text: q.text,
        kind: q.instant ? 'instant' : 'range',
      });
    }
  }
  for (const a of annotationsOf(d.json)) {
    out.push({
      ...base,
      where: `annotation ${a.name}`,
      panel: null,
      refId: null,
      language: a.language,
      text: a.expr,
      kind: 'annotation',
    });
  }
  for (const v of variablesOf(d.json)) {
    if (!v.language || v.language === 'infinity') continue;
    const inner = variableInner(v.query).expr;
    if (inner === null) continue;
    out.push({
      ...base,
      where: `variable ${v.name}`,
      panel: null,
      refId: null,
      language: v.language,
      text: inner,
      kind: 'variable',
    });
  }
  return out;
}

/** Grafana's interval macros for a query over `rangeS` seconds with `stepS` resolution and scrape interval `scrapeS`. */
export function macros(rangeS: number, stepS: number, scrapeS: number): Record<string, string> {
  // Grafana: $__rate_interval = max($__interval + scrape interval, 4 × scrape interval).
  const rate = Math.max(stepS + scrapeS, 4 * scrapeS);
  return {
    __rate_interval: `${rate}s`,
    __interval: `${stepS}s`,
    __auto: `${stepS}s`,
    __range: `${Math.ceil(rangeS)}s`,
  };
}

/**
 * Replaces $name, ${name} and [[name]] of every variable given; throws on one that is left,
 * so a typo in a variable name fails the tier instead of sending `$typo` to Prometheus.
 */
export function substitute(text: string, vars: Record<string, string>): string {
  const out = text.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (match, a, b, c) => {
    const name = (a ?? b ?? c) as string;
    return name in vars ? vars[name]! : match;
  });
  const left = /\$\{?\w+|\[\[\w+\]\]/.exec(out);
  if (left) throw new Error(`variable ${left[0]} not substituted in ${text}`);
  return out;
}
