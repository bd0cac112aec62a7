/**
 * What every dashboard shares: the provisioned datasources (grafana/provisioning/), their
 * variables, query builders and panel helpers over the Grafana Foundation SDK's builders.
 * Metric names come from what aifb pushes (README "Live metrics and logs"); the grafana test
 * tier runs every query against a real Prometheus holding a real run's series.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { PHASES } from '../../core/phases';
import { PHASE_CODES } from '../../telemetry/run-metrics';
import { VERDICT_CODE } from '../../telemetry/verdict-metrics';

/** Datasource uids of grafana/provisioning/datasources/aifb.yaml (the variables default to them). */
export const DS = {
  prometheus: { type: 'prometheus', uid: 'aifb-prometheus' },
  loki: { type: 'loki', uid: 'aifb-loki' },
  api: { type: 'yesoreyeram-infinity-datasource', uid: 'aifb-api' },
} as const;

/** Panels reference the datasource variables, so an imported dashboard can be pointed elsewhere. */
export const PROM: common.DataSourceRef = { type: DS.prometheus.type, uid: '${datasource}' };
export const LOKI: common.DataSourceRef = { type: DS.loki.type, uid: '${loki}' };

export const TAGS = ['aifb'];

function dsVariable(name: string, label: string, ds: { type: string; uid: string }, description: string) {
  return new dashboard.DatasourceVariableBuilder(name)
    .label(label)
    .type(ds.type)
    .description(description)
    .current({ text: ds.uid, value: ds.uid });
}

export const promVariable = () =>
  dsVariable(
    'datasource',
    'Prometheus',
    DS.prometheus,
    'The Prometheus that scrapes the Pushgateway aifb pushes to',
  );
export const lokiVariable = () =>
  dsVariable('loki', 'Loki', DS.loki, 'The Loki the worker ships job logs to (LOKI_URL)');

/** A Prometheus query; refIds follow the order of a panel's targets. */
export function prom(
  expr: string,
  legend: string,
  options: { instant?: boolean; table?: boolean } = {},
): prometheus.DataqueryBuilder {
  const q = new prometheus.DataqueryBuilder().datasource(PROM).expr(expr).legendFormat(legend);
  if (options.instant) q.instant();
  else q.range();
  if (options.table) q.format(prometheus.PromQueryFormat.Table);
  return q;
}

export const logQuery = (expr: string) =>
  new loki.DataqueryBuilder().datasource(LOKI).expr(expr).queryType('range');

/** The subset of the SDK's panel builders the helpers use (every panel kind has these). */
export interface PanelLike<T> extends cog.Builder<dashboard.Panel> {
  title(title: string): T;
  description(description: string): T;
  datasource(datasource: common.DataSourceRef): T;
  height(h: number): T;
  span(w: number): T;
  withTarget(target: cog.Builder<cog.Dataquery>): T;
}

export interface PanelSpec {
  title: string;
  /** What the panel answers: Grafana shows it in the panel's (i) and grafana/README.md lists it. */
  description: string;
  w: number;
  h: number;
  targets: cog.Builder<cog.Dataquery>[];
  datasource?: common.DataSourceRef;
}

/** Title, description, size, datasource and targets, with refIds A, B, C... in order. */
export function panel<T extends PanelLike<T>>(builder: T, spec: PanelSpec): T {
  builder
    .title(spec.title)
    .description(spec.description)
    .span(spec.w)
    .height(spec.h)
    .datasource(spec.datasource ?? PROM);
  spec.targets.forEach((t, i) => {
    const refId = String.fromCharCode(65 + i);
    builder.withTarget({ build: () => ({ ...t.build(), refId }) });
  });
  return builder;
}

/** Value mappings of aifb_benchmark_phase_code: 0 validating … 8 cancelled, 9 pulling-image, 10 queued. */
export function phaseMappings(): dashboard.ValueMapping[] {
  const color = (phase: string) =>
    phase === 'done' ? 'green' : phase === 'failed' ? 'red' : phase === 'cancelled' ? 'orange' : 'blue';
  return [
    {
      type: dashboard.MappingType.ValueToText,
      options: Object.fromEntries(
        PHASES.map((phase) => [String(PHASE_CODES[phase]), { text: phase, color: color(phase) }]),
      ),
    },
  ];
}

/** 1 → `yes` in green, 0 → `no` in red (validity verdicts, GPU present). */
export function booleanMappings(yes: string, no: string): dashboard.ValueMapping[] {
  return [
    {
      type: dashboard.MappingType.ValueToText,
      options: { '1': { text: yes, color: 'green' }, '0': { text: no, color: 'red' } },
    },
  ];
}

/** aifb_benchmark_verdict: 1 pass, 0 a regression, -1 nothing checked (telemetry/verdict-metrics.ts). */
export function verdictMappings(): dashboard.ValueMapping[] {
  const shown = {
    pass: { text: 'pass', color: 'green' },
    fail: { text: 'REGRESSION', color: 'red' },
    none: { text: 'nothing checked', color: 'text' },
  };
  return [
    {
      type: dashboard.MappingType.ValueToText,
      options: Object.fromEntries(
        (Object.keys(VERDICT_CODE) as (keyof typeof VERDICT_CODE)[]).map((o) => [
          String(VERDICT_CODE[o]),
          shown[o],
        ]),
      ),
    },
  ];
}

/**
 * The phases as annotations: aifb_benchmark_phase_entered_timestamp_seconds holds each phase's
 * entry time as its value (the series value is the annotation's time).
 */
export function phaseAnnotation(selector: string): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name('Phases')
    .datasource(PROM)
    .enable(true)
    .iconColor('blue')
    .expr(`max by (benchmark, phase) (aifb_benchmark_phase_entered_timestamp_seconds${selector}) * 1000`)
    .useValueForTime(true)
    .titleFormat('{{phase}}')
    .textFormat('{{benchmark}} entered {{phase}}')
    .step('10s');
}

/** Units of the panels (Grafana unit ids; `suffix:` makes a custom one). */
export const UNIT = {
  none: 'none',
  count: 'short',
  seconds: 's',
  ms: 'ms',
  reqps: 'reqps',
  tokps: 'suffix: tok/s',
  cores: 'suffix: cores',
  bytes: 'bytes',
  ratio: 'percentunit',
  watts: 'watt',
  joules: 'suffix: J',
  joulesPerToken: 'suffix: J/token',
  dateTime: 'dateTimeAsIso',
  string: 'string',
} as const;

export interface BuiltDashboard {
  /** File name under grafana/dashboards/. */
  file: string;
  json: dashboard.Dashboard;
}

/**
 * The SDK leaves panel ids unset: number them in layout order so they are stable across builds
 * (links to `viewPanel=<id>` keep working).
 */
export function finish(file: string, builder: dashboard.DashboardBuilder): BuiltDashboard {
  const json = builder.build();
  let id = 0;
  for (const p of json.panels ?? []) {
    p.id = ++id;
    if (p.type === 'row') for (const inner of (p as dashboard.RowPanel).panels) inner.id = ++id;
  }
  return { file, json: JSON.parse(JSON.stringify(json)) as dashboard.Dashboard };
}

export function newDashboard(title: string, uid: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(TAGS)
    .editable()
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
}
