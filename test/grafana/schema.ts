/**
 * The dashboard JSON schema as the Grafana Foundation SDK ships it: its npm package carries the
 * schema as TypeScript types (dist/<kind>/types.gen.d.ts, generated from Grafana's CUE schema),
 * not as JSON files, so ts-json-schema-generator turns those types into JSON Schema here and ajv
 * validates with it. Strict: a property the schema does not know is an error. What the SDK
 * leaves open (`options: any`, `cog.Dataquery`) is checked by the panel type's own `Options` /
 * `FieldConfig` and the datasource's own query type. The Infinity query has no SDK type: it is
 * checked against grafana/src/infinity-query.ts's type, which follows the plugin's query.types.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { Ajv, type ValidateFunction } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';
import { repoRoot } from '../../core/node/config';

const sdkDist = join(
  dirname(createRequire(import.meta.url).resolve('@grafana/grafana-foundation-sdk/dashboard')),
  '..',
);

type JsonSchema = { definitions?: Record<string, unknown> } & Record<string, unknown>;

/** Panel types the dashboards use: each has `Options`, some a `FieldConfig` (defaults.custom). */
const PANEL_KINDS: Record<string, { module: string; custom: boolean }> = {
  timeseries: { module: 'timeseries', custom: true },
  stat: { module: 'stat', custom: false },
  'state-timeline': { module: 'statetimeline', custom: true },
  table: { module: 'table', custom: true },
  logs: { module: 'logs', custom: false },
};

/** The root types to check, as `type` aliases in one file: one TypeScript program makes them all. */
function rootsFile(): { file: string; roots: Record<string, string> } {
  const roots: Record<string, string> = {
    dashboard: 'dashboard.Dashboard',
    'query:prometheus': 'prometheus.Dataquery',
    'query:loki': 'loki.dataquery',
    'query:yesoreyeram-infinity-datasource': 'infinity.InfinityQuery',
  };
  const modules = new Set(['dashboard', 'prometheus', 'loki']);
  for (const [type, k] of Object.entries(PANEL_KINDS)) {
    modules.add(k.module);
    roots[`options:${type}`] = `${k.module}.Options`;
    if (k.custom) roots[`custom:${type}`] = `${k.module}.FieldConfig`;
  }
  const alias = (key: string) => `Check_${key.replace(/[^A-Za-z0-9]/g, '_')}`;
  const lines = [
    ...[...modules].map((m) => `import type * as ${m} from '${join(sdkDist, m, 'types.gen')}';`),
    `import type * as infinity from '${join(repoRoot, 'grafana', 'src', 'infinity-query')}';`,
    ...Object.entries(roots).map(([key, type]) => `export type ${alias(key)} = ${type};`),
  ];
  const file = join(mkdtempSync(join(tmpdir(), 'aifb-grafana-schema-')), 'roots.ts');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, roots: Object.fromEntries(Object.keys(roots).map((k) => [k, alias(k)])) };
}

/** A validator per name, compiled once: `dashboard`, `<panel type>.options`, `<datasource>.query`... */
export interface Validators {
  dashboard: ValidateFunction;
  options: Record<string, ValidateFunction>;
  custom: Record<string, ValidateFunction>;
  query: Record<string, ValidateFunction>;
}

export function buildValidators(): Validators {
  const { file, roots } = rootsFile();
  const generator = createGenerator({
    path: file,
    functions: 'hide',
    skipTypeCheck: true,
    expose: 'export',
    topRef: true,
    additionalProperties: false,
    jsDoc: 'none',
  });
  const ajv = new Ajv({ allErrors: true, strict: false });
  const compile = (key: string, patch?: (s: JsonSchema) => void) => {
    const schema = generator.createSchema(roots[key]) as JsonSchema;
    patch?.(schema);
    return ajv.compile(schema);
  };
  const v: Validators = {
    // cog.Dataquery is a marker interface (one method): a target's shape is its datasource's query type.
    dashboard: compile('dashboard', (s) => {
      (s.definitions as Record<string, unknown>).Dataquery = { type: 'object' };
    }),
    options: {},
    custom: {},
    query: {},
  };
  for (const key of Object.keys(roots)) {
    const [kind, name] = key.split(':') as [string, string | undefined];
    if (!name) continue;
    if (kind === 'options') v.options[name] = compile(key);
    if (kind === 'custom') v.custom[name] = compile(key);
    if (kind === 'query') v.query[name] = compile(key);
  }
  return v;
}

const describe = (f: ValidateFunction) =>
  (f.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);

/** Every schema problem of a dashboard, with where it is. Empty: valid. */
export function validateDashboard(v: Validators, d: dashboard.Dashboard): string[] {
  const problems: string[] = [];
  if (!v.dashboard(d)) problems.push(...describe(v.dashboard).map((e) => `dashboard: ${e}`));
  const panels = (d.panels ?? []).flatMap((p) =>
    p.type === 'row' ? (p as dashboard.RowPanel).panels : [p as dashboard.Panel],
  );
  for (const p of panels) {
    const where = `panel "${p.title}" (${p.type})`;
    const options = v.options[p.type];
    if (!options) problems.push(`${where}: no schema for this panel type`);
    else if (!options(p.options ?? {}))
      problems.push(...describe(options).map((e) => `${where} options: ${e}`));
    const custom = v.custom[p.type];
    const c = p.fieldConfig?.defaults?.custom;
    if (custom && c !== undefined && !custom(c))
      problems.push(...describe(custom).map((e) => `${where} fieldConfig.defaults.custom: ${e}`));
    for (const t of p.targets ?? []) {
      const ds = (t as { datasource?: { type?: string } }).datasource?.type ?? p.datasource?.type ?? '';
      const query = v.query[ds];
      if (!query) problems.push(`${where}: no query schema for datasource type ${ds}`);
      else if (!query(t)) problems.push(...describe(query).map((e) => `${where} target: ${e}`));
    }
  }
  return problems;
}
