/**
 * What can be proven without a running stack: every dashboard validates against the Foundation
 * SDK's schema, passes the hygiene rules, every PromQL expression parses with Prometheus' own
 * parser (promtool) and every LogQL one with Grafana's grammar, and provisioning wires the
 * datasources the dashboards name, with the API token from the environment. Each check is also
 * run on a broken copy, to show it can fail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../../core/node/config';
import { DS } from '../../grafana/src/common';
import { buildDashboards } from '../../grafana/src/dashboards';
import { variablesOf } from '../../grafana/src/inventory';
import { hygieneProblems } from './hygiene';
import { parseLogql, promtoolProblems } from './parsers';
import { exprsOf, macros, substitute } from './queries';
import { buildValidators, type Validators, validateDashboard } from './schema';

const dashboards = buildDashboards();
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Values a real benchmark gives the variables: enough to parse every expression. */
function sampleVars(dashboard: (typeof dashboards)[number]): Record<string, string>[] {
  const base = {
    ...macros(3600, 15, 2),
    benchmark: 'bench-grafana-abc123',
    recipe: 'grafana',
    stage: 'c4|r20',
    component: '.+',
    stream: '.+',
    search: 'error',
    datasource: DS.prometheus.uid,
    loki: DS.loki.uid,
  };
  const metric = variablesOf(dashboard.json).find((v) => v.name === 'metric');
  return metric ? metric.values.map((value) => ({ ...base, metric: value })) : [base];
}

describe('the dashboard JSON schema of the Foundation SDK', () => {
  let validators: Validators;
  beforeAll(() => {
    validators = buildValidators();
  }, 60_000);

  it.each(dashboards.map((d) => [d.file, d] as const))('%s validates', (_file, d) => {
    expect(validateDashboard(validators, d.json)).toEqual([]);
  });

  it('rejects what Grafana would not load: wrong types, unknown properties, a bad query', () => {
    const d = clone(dashboards[0]!.json);
    (d.panels![0] as unknown as Record<string, unknown>).gridPos = { x: 0, y: 0, w: 'wide', h: 1 };
    (d as unknown as Record<string, unknown>).refreshRate = '5s';
    const inner = dashboards[0]!.json.panels!.find((p) => p.type === 'timeseries');
    const p = clone(inner ?? d.panels![1]!) as unknown as {
      targets: Record<string, unknown>[];
      options: Record<string, unknown>;
    };
    p.targets[0]!.exprs = 'typo';
    p.options.legend = { displayMode: 'huge' };
    d.panels!.push(p as never);
    const problems = validateDashboard(validators, d).join('\n');
    expect(problems).toMatch(/gridPos.*must be number/);
    expect(problems).toMatch(/refreshRate/);
    expect(problems).toMatch(/target:.*exprs/);
    expect(problems).toMatch(/options:.*legend/);
  });
});

describe('dashboard hygiene', () => {
  it.each(dashboards.map((d) => [d.file, d] as const))('%s', (_file, d) => {
    expect(hygieneProblems(d)).toEqual([]);
  });

  it('catches a missing unit, a hard-coded datasource, a bare rate window, a one-click action, a token', () => {
    const live = clone(dashboards[0]!);
    const panels = live.json.panels!.flatMap((p) =>
      p.type === 'row' ? (p as { panels: (typeof p)[] }).panels : [p],
    );
    const ts = panels.find((p) => p.title === 'Service CPU') as unknown as {
      fieldConfig: { defaults: { unit?: string } };
      datasource: unknown;
      targets: { expr: string }[];
    };
    delete ts.fieldConfig.defaults.unit;
    ts.datasource = { type: 'prometheus', uid: 'P1234' };
    ts.targets[0]!.expr = 'rate(aifb_service_cpu_seconds_total[1m])';
    const control = clone(dashboards[4]!);
    const table = control.json.panels![0] as unknown as {
      fieldConfig: { defaults: { actions: Record<string, unknown>[] } };
    };
    table.fieldConfig.defaults.actions[0]!.oneClick = true;
    (table.fieldConfig.defaults.actions[0]!.infinity as { headers: string[][] }).headers.push([
      'Authorization',
      'Bearer x',
    ]);
    const problems = [...hygieneProblems(live), ...hygieneProblems(control)].join('\n');
    expect(problems).toMatch(/"Service CPU": no unit/);
    expect(problems).toMatch(/"Service CPU": datasource .* not a datasource variable/);
    expect(problems).toMatch(/rate\(\) without \[\$__rate_interval\]/);
    expect(problems).toMatch(/one-click/);
    expect(problems).toMatch(/credential/);
  });
});

describe('PromQL parses with Prometheus (promtool)', () => {
  const exprs = dashboards.flatMap((d) =>
    exprsOf(d)
      .filter((e) => e.language === 'promql')
      .flatMap((e) =>
        sampleVars(d).map((vars) => ({ where: `${d.file} ${e.where}`, expr: substitute(e.text, vars) })),
      ),
  );

  it(`every expression of every dashboard (${exprs.length})`, () => {
    expect(exprs.length).toBeGreaterThan(60);
    expect(promtoolProblems(exprs)).toEqual([]);
  });

  it('a broken expression fails', () => {
    const problems = promtoolProblems([
      ...exprs.slice(0, 3),
      { where: 'broken', expr: 'sum by (benchmark (up)' },
    ]);
    expect(problems.join('\n')).toMatch(/broken: sum by/);
  });
});

describe('LogQL parses with @grafana/lezer-logql', () => {
  const exprs = dashboards.flatMap((d) =>
    exprsOf(d)
      .filter((e) => e.language === 'logql')
      .map((e) => ({ where: `${d.file} ${e.where}`, expr: substitute(e.text, sampleVars(d)[0]!) })),
  );

  it.each(exprs.map((e) => [e.where, e.expr] as const))('%s', (_where, expr) => {
    expect(parseLogql(expr).errors).toBe(0);
  });

  it('a broken expression has errors', () => {
    expect(parseLogql('{benchmark="x"').errors).toBeGreaterThan(0);
    expect(parseLogql('sum by (component (count_over_time({benchmark="x"}[1m]))').errors).toBeGreaterThan(0);
  });
});

describe('provisioning', () => {
  const read = (path: string) => readFileSync(join(repoRoot, 'grafana', path), 'utf8');
  const ds = parse(read('provisioning/datasources/aifb.yaml')) as {
    datasources: {
      uid: string;
      type: string;
      url: string;
      jsonData?: Record<string, unknown>;
      secureJsonData?: Record<string, string>;
    }[];
  };

  it('provides the datasources the dashboards default to, the API token from the environment only', () => {
    for (const expected of Object.values(DS)) {
      const found = ds.datasources.find((d) => d.uid === expected.uid);
      expect(found?.type, expected.uid).toBe(expected.type);
      expect(found?.url).toMatch(/^\$[A-Z_]+$/);
    }
    const api = ds.datasources.find((d) => d.uid === DS.api.uid)!;
    expect(api.secureJsonData).toEqual({ bearerToken: '$AIFB_API_TOKEN' });
    expect(api.jsonData?.allowedHosts).toEqual([api.url]);
    expect(api.jsonData?.allowDangerousHTTPMethods).toBe(true); // DELETE /deployments/:name
  });

  it('the dashboards provider loads grafana/dashboards; plugins.txt lists every plugin the dashboards use', () => {
    const provider = parse(read('provisioning/dashboards/aifb.yaml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(provider.providers[0]!.type).toBe('file');
    const plugins = read('plugins.txt')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    const used = new Set(
      dashboards
        .flatMap((d) => exprsOf(d).map((e) => e.language))
        .map((l) => (l === 'infinity' ? DS.api.type : null)),
    );
    used.delete(null);
    expect(plugins).toEqual([...used]);
  });
});
