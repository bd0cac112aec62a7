/**
 * Dashboard hygiene in the spirit of grafana/dashboard-linter (a Go tool that cannot be installed
 * here: its module is not served): titles and descriptions, a unit on every panel that shows
 * numbers, datasource variables instead of hard-coded datasources, $__rate_interval in every
 * rate, stable uids and ids, defined variables only, asking before every action, no secrets.
 */
import type { BuiltDashboard } from '../../grafana/src/common';
import { panelsOf, variablesOf } from '../../grafana/src/inventory';

/** Panels that show text, not numbers: no unit applies. */
const UNITLESS = new Set(['logs', 'text']);
/** Built-in variables and Grafana's macros. */
const BUILTIN = /^(__\w+|__data|__value)$/;

export function hygieneProblems(d: BuiltDashboard): string[] {
  const problems: string[] = [];
  const json = d.json;
  const say = (where: string, what: string) => problems.push(`${d.file}: ${where}: ${what}`);

  if (!json.title?.startsWith('aifb / ')) say('dashboard', 'title must start with "aifb / "');
  if (!json.description) say('dashboard', 'no description');
  if (!/^aifb-[a-z-]{3,30}$/.test(json.uid ?? ''))
    say('dashboard', `uid ${json.uid} is not a stable aifb-<name> uid`);
  if (!json.tags?.includes('aifb')) say('dashboard', 'not tagged aifb');

  const vars = variablesOf(json);
  const dsVars = new Map(
    vars.filter((v) => v.type === 'datasource').map((v) => [v.name, String(v.raw.query)]),
  );
  if (dsVars.size === 0) say('dashboard', 'no datasource variable');
  const defined = new Set(vars.map((v) => v.name));

  const panels = panelsOf(json);
  const ids = panels.map((p) => p.id);
  if (new Set(ids).size !== ids.length || ids.some((id) => !id))
    say('dashboard', `panel ids not unique: ${ids}`);

  const checkDs = (where: string, ds: { type?: string; uid?: string } | undefined) => {
    const name = /^\$\{(\w+)\}$/.exec(ds?.uid ?? '')?.[1];
    if (!name || !dsVars.has(name))
      say(where, `datasource ${JSON.stringify(ds)} is not a datasource variable`);
    else if (dsVars.get(name) !== ds?.type)
      say(where, `datasource variable ${name} is of type ${dsVars.get(name)}, not ${ds?.type}`);
  };
  const checkVars = (where: string, text: string, local: string[] = []) => {
    for (const m of text.matchAll(/\$\{(\w+)(?:[.:][\w.]+)?\}|\$(\w+)/g)) {
      const name = (m[1] ?? m[2])!;
      if (BUILTIN.test(name) || defined.has(name) || local.includes(name)) continue;
      // JSONata in an Infinity root selector: $map, $string, $r are its own names.
      if (where.includes('root selector')) continue;
      say(where, `uses undefined variable $${name}`);
    }
  };

  for (const p of panels) {
    const where = `panel "${p.title}"`;
    if (!p.title) say(where, 'no title');
    if (!p.description || p.description.length < 20) say(where, 'no description of what it answers');
    if (!UNITLESS.has(p.type) && !p.unit) say(where, 'no unit');
    checkDs(where, p.raw.datasource);
    for (const q of p.queries) {
      checkDs(`${where} ${q.refId}`, q.raw.datasource as { type?: string; uid?: string });
      checkVars(`${where} ${q.refId}`, q.text);
      if (q.language === 'infinity')
        checkVars(`${where} ${q.refId} root selector`, String(q.raw.root_selector));
      if (q.language === 'promql') {
        for (const m of q.text.matchAll(
          /\b(rate|irate|increase|delta|idelta|deriv)\(([^()]*(?:\([^()]*\))?[^()]*)\)/g,
        )) {
          if (!/\[\$__rate_interval\]$/.test(m[2]!.trim()))
            say(`${where} ${q.refId}`, `${m[1]}() without [$__rate_interval]: ${m[0]}`);
        }
      }
    }
    for (const a of p.actions) {
      const aw = `${where} action "${a.title}"`;
      if (!a.confirmation || a.confirmation.length < 15) say(aw, 'no confirmation text saying what happens');
      if (a.oneClick) say(aw, 'one-click: must ask first');
      const o = a.infinity;
      if (!o) say(aw, 'not an infinity action (the token would have to be in the browser)');
      else {
        const local = (a.variables ?? []).map((v) => v.key);
        for (const text of [o.url, o.body ?? '', a.confirmation ?? '', ...(o.queryParams ?? []).flat()])
          checkVars(aw, text, local);
      }
    }
  }
  const text = JSON.stringify(json);
  if (/bearer\s+\w|authorization|AIFB_API_TOKEN|password/i.test(text))
    say('dashboard', 'holds a credential or an Authorization header');
  return problems;
}
