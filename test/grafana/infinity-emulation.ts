/**
 * What Grafana and the Infinity plugin do with the Control dashboard, done here against the real
 * API because Grafana cannot run on this machine: provisioning's environment expansion, an
 * Infinity table query (URL relative to the datasource, backend parser: GJSON root selector, else
 * JSONata, then column selectors), and a panel action of type `infinity` (Grafana interpolates
 * action variables, dashboard variables and `${__data.fields.*}` of the clicked row, requires an
 * absolute URL; Infinity prefixes its URL when the request's does not start with it, checks
 * allowed hosts and dangerous methods, and adds the bearer token from its secure settings).
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import jsonata from 'jsonata';
import { parse } from 'yaml';
import type { InfinityQuery } from '../../grafana/src/infinity-query';

export interface InfinityDatasource {
  uid: string;
  url: string;
  token: string;
  allowedHosts: string[];
  allowDangerousHTTPMethods: boolean;
}

/** Grafana's provisioning expansion: $VAR and ${VAR} from the environment. */
export function expandEnv(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a, b) => env[(a ?? b) as string] ?? '');
}

export function provisionedInfinity(
  yamlText: string,
  env: Record<string, string>,
  uid: string,
): InfinityDatasource {
  const file = parse(expandEnv(yamlText, env)) as {
    datasources: {
      uid: string;
      url: string;
      jsonData: Record<string, unknown>;
      secureJsonData: Record<string, string>;
    }[];
  };
  const ds = file.datasources.find((d) => d.uid === uid);
  if (!ds) throw new Error(`no datasource ${uid} provisioned`);
  return {
    uid,
    url: ds.url,
    token: ds.secureJsonData.bearerToken ?? '',
    allowedHosts: (ds.jsonData.allowedHosts as string[]) ?? [],
    allowDangerousHTTPMethods: ds.jsonData.allowDangerousHTTPMethods === true,
  };
}

/** Infinity's GetQueryURL: the datasource URL goes in front unless the URL already starts with it. */
function requestUrl(ds: InfinityDatasource, url: string): string {
  const full = url.startsWith(ds.url) ? url : ds.url + url;
  if (!ds.allowedHosts.some((h) => full.startsWith(h)))
    throw new Error(`${full}: host not allowed by the datasource`);
  return full;
}

async function send(
  ds: InfinityDatasource,
  method: string,
  url: string,
  body: string | undefined,
  headers: Record<string, string>,
) {
  if (['PUT', 'PATCH', 'DELETE'].includes(method) && !ds.allowDangerousHTTPMethods)
    throw new Error(`${method} refused: the datasource does not allow dangerous methods`);
  return fetch(requestUrl(ds, url), {
    method,
    headers: { ...headers, ...(ds.token ? { authorization: `Bearer ${ds.token}` } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
}

/** A GJSON path of plain keys ('' is the document itself), or null when it is no such path. */
function gjsonPath(value: unknown, path: string): { found: boolean; value: unknown } {
  if (path === '') return { found: true, value };
  let v = value;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object' || !(key in (v as object)))
      return { found: false, value: undefined };
    v = (v as Record<string, unknown>)[key];
  }
  return { found: true, value: v };
}

export type Row = Record<string, unknown>;

/** Runs an Infinity table query of a panel against the real API; the rows Grafana would show. */
export async function infinityRows(
  ds: InfinityDatasource,
  q: InfinityQuery,
  vars: Record<string, string>,
): Promise<Row[]> {
  const url = q.url.replace(/\$\{(\w+)\}/g, (m, name) => vars[name] ?? m);
  const res = await send(ds, q.url_options.method, url, undefined, {});
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as unknown;
  const byPath = gjsonPath(body, q.root_selector);
  const root = byPath.found ? byPath.value : await jsonata(q.root_selector).evaluate(body);
  const list = Array.isArray(root) ? root : [root];
  return list.map((item) =>
    Object.fromEntries(q.columns.map((c) => [c.text, gjsonPath(item, c.selector).value ?? null])),
  );
}

/**
 * Clicks an action on a row: Grafana replaces the action's own variables ($key) with what the
 * user typed, then dashboard variables and `${__data.fields.<name>}` from the row, and sends it
 * through Infinity. Every `$` left unresolved fails (Grafana would send it literally).
 */
export async function performAction(
  ds: InfinityDatasource,
  action: dashboard.Action,
  options: { row?: Row; dashboardVars: Record<string, string>; typed?: Record<string, string> },
): Promise<Response> {
  const o = action.infinity;
  if (action.type !== 'infinity' || !o) throw new Error(`${action.title}: not an infinity action`);
  if (o.datasourceUid !== ds.uid)
    throw new Error(`${action.title}: goes through ${o.datasourceUid}, not ${ds.uid}`);
  const keys = new Set((action.variables ?? []).map((v) => v.key));
  const fill = (text: string) => {
    const typed = text.replace(/\$(\w+)/g, (m, name) =>
      keys.has(name) && options.typed?.[name] !== undefined ? options.typed[name]! : m,
    );
    if (/\$\w+/.test(typed.replace(/\$\{[^}]+\}/g, '')))
      throw new Error(`unresolved action variable in ${text}`);
    return typed.replace(/\$\{([\w.]+)\}/g, (m, name: string) => {
      if (name.startsWith('__data.fields.')) {
        const field = name.slice('__data.fields.'.length);
        if (!options.row || !(field in options.row)) throw new Error(`${m}: the row has no field ${field}`);
        return String(options.row[field]);
      }
      if (!(name in options.dashboardVars)) throw new Error(`${m}: no such dashboard variable`);
      return options.dashboardVars[name]!;
    });
  };
  const url = new URL(fill(o.url)); // Grafana requires an absolute URL (a relative one is Grafana's own)
  for (const [k, v] of o.queryParams ?? []) url.searchParams.append(fill(k ?? ''), fill(v ?? ''));
  const headers = Object.fromEntries((o.headers ?? []).map(([k, v]) => [fill(k ?? ''), fill(v ?? '')]));
  const body = o.method === 'GET' ? undefined : o.body ? fill(o.body) : '{}';
  return send(ds, o.method, url.toString(), body, headers);
}
