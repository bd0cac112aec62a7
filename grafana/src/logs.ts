/** Logs: every component's stdout/stderr of a benchmark from Loki, with its phases as annotations. */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import {
  type BuiltDashboard,
  finish,
  LOKI,
  logQuery,
  lokiVariable,
  newDashboard,
  panel,
  phaseAnnotation,
  promVariable,
  UNIT,
} from './common';

/** Labels the worker pushes with every line (telemetry/loki.ts): benchmark, component, stream, job_id. */
const SEL = '{benchmark="$benchmark", component=~"$component", stream=~"$stream"}';
/** Backquotes: LogQL takes the regex as it is, whatever the search box holds. */
const FILTER = '|~ `(?i)$search`';

export function logsDashboard(): BuiltDashboard {
  const benchmark = new dashboard.QueryVariableBuilder('benchmark')
    .label('Benchmark')
    .description('Benchmarks with logs in Loki in the time range.')
    .datasource(LOKI)
    .query('label_values(benchmark)')
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalDesc)
    .allowCustomValue(true);
  const component = new dashboard.QueryVariableBuilder('component')
    .label('Component')
    .description('The jobs of the benchmark: service, s<k>-clients-<i>... (Loki label component).')
    .datasource(LOKI)
    .query('label_values({benchmark="$benchmark"}, component)')
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .multi(true)
    .includeAll(true)
    .allValue('.+')
    .current({ text: 'All', value: '$__all' });
  const stream = new dashboard.CustomVariableBuilder('stream')
    .label('Stream')
    .values('stdout,stderr')
    .multi(true)
    .includeAll(true)
    .allValue('.+')
    .current({ text: 'All', value: '$__all' });
  const search = new dashboard.TextBoxVariableBuilder('search')
    .label('Search')
    .description('A regular expression the lines must match (case-insensitive); empty: every line.')
    .defaultValue('');

  const b = newDashboard(
    'aifb / Logs',
    'aifb-logs',
    "Every component's logs of one benchmark, filtered by component, stream and a search, with the benchmark's phases as annotations.",
  )
    .time({ from: 'now-1h', to: 'now' })
    .withVariable(lokiVariable())
    .withVariable(promVariable())
    .withVariable(benchmark)
    .withVariable(component)
    .withVariable(stream)
    .withVariable(search)
    .annotation(phaseAnnotation('{benchmark="$benchmark"}'));

  b.withPanel(
    panel(
      new timeseries.PanelBuilder().unit(UNIT.count).drawStyle(common.GraphDrawStyle.Bars).fillOpacity(60),
      {
        title: 'Log lines per component',
        description:
          'How many lines each component wrote per interval, by stream: bursts of stderr point at the trouble.',
        w: 24,
        h: 7,
        datasource: LOKI,
        targets: [
          logQuery(
            `sum by (component, stream) (count_over_time(${SEL} ${FILTER} [$__interval]))`,
          ).legendFormat('{{component}} {{stream}}'),
        ],
      },
    ),
  )
    .withPanel(
      panel(
        new logs.PanelBuilder()
          .showTime(true)
          .showLabels(true)
          .wrapLogMessage(true)
          .sortOrder(common.LogsSortOrder.Ascending),
        {
          title: 'Logs',
          description: 'The lines of the chosen components and streams that match the search, oldest first.',
          w: 24,
          h: 16,
          datasource: LOKI,
          targets: [logQuery(`${SEL} ${FILTER}`)],
        },
      ),
    )
    .withPanel(
      panel(
        new logs.PanelBuilder()
          .showTime(true)
          .showLabels(true)
          .wrapLogMessage(true)
          .sortOrder(common.LogsSortOrder.Descending),
        {
          title: 'stderr, newest first',
          description: "The chosen components' stderr: where a failing service or client says why.",
          w: 24,
          h: 10,
          datasource: LOKI,
          targets: [logQuery('{benchmark="$benchmark", component=~"$component", stream="stderr"}')],
        },
      ),
    );

  return finish('logs.json', b);
}
