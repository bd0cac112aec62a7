/** Trends: a recipe's stage figures across runs over time (nightly schedules make these lines). */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { stageSeriesName } from '../../telemetry/run-metrics';
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
  verdictMappings,
} from './common';

/**
 * The figures the `metric` variable offers, by their dotted path in summary.json's stages (the
 * names references and verdicts use): the variable's text is the path, its value the stage series.
 */
export const TREND_FIGURES: string[] = [
  'throughput.requestsPerS',
  'throughput.outputTokensPerS',
  'goodput.requestsPerS',
  'latencyMs.ttft.p50',
  'latencyMs.ttft.p99',
  'latencyMs.tpot.p50',
  'latencyMs.tpot.p99',
  'latencyMs.itl.p99',
  'latencyMs.e2e.p99',
  'requests.failed',
  'rate.achievedPerS',
  'system.process.cpuCoresMean',
  'server.runningRequests.mean',
  'system.joulesPerOutputToken',
];

const [FIRST, SECOND] = ['throughput.requestsPerS', 'latencyMs.ttft.p99'];

const SEL = '{recipe="$recipe", stage_name=~"$stage"}';
/** The reference series of the row's figure: `figure` is the path, the variable's text. */
const REF_SEL = '{recipe="$recipe", stage_name=~"$stage", figure="${metric:text}"}';

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
    .description('The stage figures to follow, by their path in summary.json; one row of panels each.')
    .values(TREND_FIGURES.map((path) => `${path} : ${stageSeriesName(path)}`).join(','))
    .multi(true)
    .current({ text: [FIRST, SECOND], value: [FIRST, SECOND].map(stageSeriesName) });

  const b = newDashboard(
    'aifb / Trends',
    'aifb-trends',
    "A recipe's stage figures across runs over time, against their references: did it get worse? One point per run and stage, from the aifb_stage_* series each run pushed, and each run's regression verdict.",
  )
    .time({ from: 'now-30d', to: 'now' })
    .withVariable(promVariable())
    .withVariable(recipe)
    .withVariable(stage)
    .withVariable(metric);

  b.withRow(new dashboard.RowBuilder('Validity and verdicts across runs'))
    .withPanel(
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
    )
    .withPanel(
      panel(new statetimeline.PanelBuilder().unit(UNIT.none).mappings(verdictMappings()), {
        title: 'Verdict of every recipe across runs',
        description:
          "Each run's verdict against its recipe's references, one line per recipe (aifb_benchmark_verdict: pass, REGRESSION, nothing checked); a regression in the interval outweighs a pass, a pass outweighs a run with nothing to check.",
        w: 16,
        h: 6,
        targets: [
          // Each run is its own series: the checked runs' worst verdict, else "nothing checked".
          prom(
            'min by (recipe) (min_over_time(aifb_benchmark_verdict[$__interval]) >= 0) or min by (recipe) (min_over_time(aifb_benchmark_verdict[$__interval]))',
            '{{recipe}}',
          ),
        ],
      }),
    )
    .withPanel(
      panel(
        new table.PanelBuilder()
          .unit(UNIT.count)
          .sortBy([new common.TableSortByFieldStateBuilder().displayName('benchmark').desc(true)])
          .overrideByName('verdict', [
            { id: 'mappings', value: verdictMappings() },
            { id: 'unit', value: UNIT.none },
          ])
          .withTransformation({ id: 'merge', options: {} })
          .withTransformation({
            id: 'organize',
            options: {
              excludeByName: { Time: true },
              renameByName: {
                'Value #A': 'verdict',
                'Value #B': 'checks failed',
                'Value #C': 'checks passed',
              },
            },
          }),
        {
          title: 'Verdict by run',
          description:
            "The recipe's runs in the range, newest first: the verdict against the references and how many reference checks failed and passed (aifb_benchmark_verdict_checks).",
          w: 8,
          h: 6,
          targets: [
            prom(
              'max by (benchmark) (last_over_time(aifb_benchmark_verdict{recipe="$recipe"}[$__range]))',
              '',
              {
                instant: true,
                table: true,
              },
            ),
            ...['failed', 'passed'].map((result) =>
              prom(
                `max by (benchmark) (last_over_time(aifb_benchmark_verdict_checks{recipe="$recipe", result="${result}"}[$__range]))`,
                '',
                { instant: true, table: true },
              ),
            ),
          ],
        },
      ),
    );

  const dashed = (fill: 'dash' | 'dot') => ({
    id: 'custom.lineStyle',
    value: new common.LineStyleBuilder()
      .fill(fill)
      .dash(fill === 'dash' ? [10, 10] : [0, 10])
      .build(),
  });
  b.withRow(new dashboard.RowBuilder('${metric:text}').repeat('metric'))
    .withPanel(
      panel(
        new timeseries.PanelBuilder()
          .unit(UNIT.count)
          .drawStyle(common.GraphDrawStyle.Line)
          .showPoints(common.VisibilityMode.Always)
          .pointSize(6)
          .spanNulls(true),
        {
          title: '${metric:text} across runs',
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
            options: { excludeByName: { Time: true }, renameByName: { Value: '${metric:text}' } },
          }),
        {
          title: '${metric:text} by run',
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
    )
    .withPanel(
      panel(
        new timeseries.PanelBuilder()
          .unit(UNIT.count)
          .drawStyle(common.GraphDrawStyle.Line)
          .showPoints(common.VisibilityMode.Always)
          .pointSize(6)
          .spanNulls(true)
          .overrideByQuery('B', [dashed('dash')])
          .overrideByQuery('C', [dashed('dash')])
          .overrideByQuery('D', [dashed('dot')]),
        {
          title: '${metric:text} against its reference',
          description:
            'Where the recipe references the figure: each run as measured (aifb_stage_reference_measured), the band its reference allows (lower and upper bound, dashed; absent side: unbounded) and the reference value (dotted), by stage and source (recipe, last-good run).',
          w: 16,
          h: 8,
          targets: [
            prom(
              `max by (stage_name) (max_over_time(aifb_stage_reference_measured${REF_SEL}[$__interval]))`,
              '{{stage_name}} measured',
            ),
            prom(
              `min by (stage_name, source) (min_over_time(aifb_stage_reference_lower_bound${REF_SEL}[$__interval]))`,
              '{{stage_name}} lower bound ({{source}})',
            ),
            prom(
              `max by (stage_name, source) (max_over_time(aifb_stage_reference_upper_bound${REF_SEL}[$__interval]))`,
              '{{stage_name}} upper bound ({{source}})',
            ),
            prom(
              `max by (stage_name, source) (max_over_time(aifb_stage_reference_value${REF_SEL}[$__interval]))`,
              '{{stage_name}} reference ({{source}})',
            ),
          ],
        },
      ),
    )
    .withPanel(
      panel(new statetimeline.PanelBuilder().unit(UNIT.none).mappings(booleanMappings('pass', 'FAIL')), {
        title: '${metric:text} reference checks',
        description:
          'Whether each run kept the figure within its reference bounds (aifb_stage_reference_pass), per stage and source; a failed check is a regression.',
        w: 8,
        h: 8,
        targets: [
          prom(
            `min by (stage_name, source) (min_over_time(aifb_stage_reference_pass${REF_SEL}[$__interval]))`,
            '{{stage_name}} ({{source}})',
          ),
        ],
      }),
    );

  return finish('trends.json', b);
}
