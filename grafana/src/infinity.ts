/**
 * Queries of the Infinity datasource (infinity-query.ts) and native panel actions routed through
 * it. The Foundation SDK ships no Infinity query type, so this is the SDK's documented way of
 * adding one: a Dataquery variant with its own builder.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DS } from './common';
import type { InfinityColumn, InfinityQuery } from './infinity-query';

export type { InfinityColumn } from './infinity-query';

/** A GET of the API, turned into a table by root selector and columns. */
export function apiTable(
  url: string,
  rootSelector: string,
  columns: InfinityColumn[],
): cog.Builder<cog.Dataquery> {
  const query: InfinityQuery = {
    refId: 'A',
    datasource: { type: DS.api.type, uid: '${api}' },
    type: 'json',
    source: 'url',
    format: 'table',
    parser: 'backend',
    url,
    url_options: { method: 'GET', data: '' },
    root_selector: rootSelector,
    columns,
    _implementsDataqueryVariant() {},
  };
  return { build: () => query };
}

export interface ApiAction {
  title: string;
  method: 'POST' | 'DELETE';
  /** From `${api_url}` (the same URL as the datasource's, so Infinity's allowed hosts accept it). */
  path: string;
  body?: string;
  contentType?: string;
  queryParams?: [string, string][];
  /** Shown before the call: every action asks (Grafana's confirm modal); destructive ones say what happens. */
  confirmation: string;
  /** Values the user types when clicking (Grafana's action variables): `$<key>` in path or body. */
  variables?: { key: string; name: string }[];
}

/**
 * A panel action of type `infinity`: Grafana sends it through the provisioned Infinity datasource
 * (uid aifb-api), which adds the API token from its secure settings, so the token is never in a
 * dashboard or a browser. Grafana does not interpolate the datasource uid of an action: it is fixed.
 */
export function apiAction(a: ApiAction): cog.Builder<dashboard.Action> {
  const infinity: cog.Builder<dashboard.InfinityOptions> = {
    build: () => ({
      method: dashboard.HttpRequestMethod[a.method],
      url: `\${api_url}${a.path}`,
      body: a.body ?? '',
      headers: [['Content-Type', a.contentType ?? 'application/json']],
      queryParams: a.queryParams ?? [],
      datasourceUid: DS.api.uid,
    }),
  };
  const action = new dashboard.ActionBuilder()
    .type(dashboard.ActionType.Infinity)
    .title(a.title)
    .infinity(infinity)
    .confirmation(a.confirmation)
    .oneClick(false);
  if (a.variables) {
    action.variables(a.variables.map((v) => new dashboard.ActionVariableBuilder().key(v.key).name(v.name)));
  }
  return action;
}
