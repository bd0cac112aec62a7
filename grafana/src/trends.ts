/** Trends: a recipe's stage figures across runs over time (nightly schedules make these lines). */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import {
  type BuiltDashboard,
  booleanMappings,
  finish,
  newDashboard,
  PROM,
  panel,
  prom,
  promVariable,
  UNIT,
} from './common';

/** The figures the `metric` variable offers: label, then the stage series (summary.json path). */
export const TREND_FIGURES: [label: string, series: string][] = [
  ['req/s', 'aifb_stage_throughput_requests_per_s'],
  ['output tok/s', 'aifb_stage_throughput_output_tokens_per_s'],
  ['goodput req/s', 'aifb_stage_goodput_requests_per_s'],
  ['TTFT p50 ms', 'aifb_stage_latency_ms_ttft_p50'],
  ['TTFT p99 ms', 'aifb_stage_latency_ms_ttft_p99'],
  ['TPOT p50 ms', 'aifb_stage_latency_ms_tpot_p50'],
  ['TPOT p99 ms', 'aifb_stage_latency_ms_tpot_p99'],
  ['ITL p99 ms', 'aifb_stage_latency_ms_itl_p99'],
  ['E2E p99 ms', 'aifb_stage_latency_ms_e2e_p99'],
  ['failed requests', 'aifb_stage_requests_failed'],
  ['rate achieved req/s', 'aifb_stage_rate_achieved_per_s'],
  ['service CPU cores', 'aifb_stage_system_process_cpu_cores_mean'],
  ['server running mean', 'aifb_stage_server_running_requests_mean'],
  ['energy J/token', 'aifb_stage_system_joules_per_output_token'],
];

const SEL = '{recipe="$recipe", stage_name=~"$stage"}';

export function trends(): BuiltDashboard {
  const recipe = new dashboard.QueryVariableBuilder('recipe')
    .label('Recipe')
    .description("Recipes with stage results in the time range (the recipe's name).")
    .datasource(PROM)
    .query('label_values(aifb_stage_requests_ok, recipe)')
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
  const stage = new dashboard.QueryVariableBuilder('stage')
    .label('Stage')
    .description("The recipe's stages, by name (stages of the same name are compared across runs).")
    .datasource(PROM)
    .query('label_values(aifb_stage_requests_ok{recipe="$recipe"}, stage_name)')
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .multi(true)
    .includeAll(true)
    .current({ text: 'All', value: '$__all' });
  const metric = new dashboard.CustomVariableBuilder('metric')
    .label('Figure')
    .description('The stage figures to follow; one row of panels each.')
    .values(TREND_FIGURES.map(([label, series]) => `${label} : ${series}`).join(','))
    .multi(true)
    .current({ text: ['req/s', 'TTFT p99 ms'], value: [TREND_FIGURES[0]![1], TREND_FIGURES[4]![1]] });

  const b = newDashboard(
    'aifb / Trends',
    'aifb-trends',
    "A recipe's stage figures across runs over time: did it get worse? One point per run and stage, from the aifb_stage_* series each run pushed.",
  )
    .time({ from: 'now-30d', to: 'now' })
    .withVariable(promVariable())
    .withVariable(recipe)
    .withVariable(stage)
    .withVariable(metric);

  b.withRow(new dashboard.RowBuilder('Validity across runs')).withPanel(
    panel(new statetimeline.PanelBuilder().unit(UNIT.none).mappings(booleanMappings('valid', 'INVALID')), {
      title: 'Validity across runs',
      description:
        'Whether each run of each stage was valid (aifb_stage_validity_valid): a figure of an invalid run is no baseline.',
      w: 24,
      h: 5,
      targets: [
        prom(
          `min by (stage_name) (min_over_time(aifb_stage_validity_valid${SEL}[$__interval]))`,
          '{{stage_name}}',
        ),
      ],
    }),
  );

  b.withRow(new dashboard.RowBuilder('$metric').repeat('metric'))
    .withPanel(
      panel(
        new timeseries.PanelBuilder()
          .unit(UNIT.count)
          .drawStyle(common.GraphDrawStyle.Line)
          .showPoints(common.VisibilityMode.Always)
          .pointSize(6)
          .spanNulls(true),
        {
          title: '$metric across runs',
          description:
            'The figure of each run of each stage, at the time the run pushed it (a point per run, joined).',
          w: 16,
          h: 8,
          targets: [
            prom(`max by (stage_name) (max_over_time($metric${SEL}[$__interval]))`, '{{stage_name}}'),
          ],
        },
      ),
    )
    .withPanel(
      panel(
        new table.PanelBuilder()
          .unit(UNIT.count)
          .sortBy([new common.TableSortByFieldStateBuilder().displayName('benchmark').desc(true)])
          .withTransformation({
            id: 'organize',
            options: { excludeByName: { Time: true }, renameByName: { Value: '$metric' } },
          }),
        {
          title: '$metric by run',
          description: 'The figure of every run in the range, newest first: the numbers behind the line.',
          w: 8,
          h: 8,
          targets: [
            prom(`max by (benchmark, stage_name) (last_over_time($metric${SEL}[$__range]))`, '', {
              instant: true,
              table: true,
            }),
          ],
        },
      ),
    );

  return finish('trends.json', b);
}
