/**
 * A run's verdict against its references and the checks behind it, from the series its end
 * pushes (telemetry/verdict-metrics.ts): one row per stage, figure and source.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { booleanMappings, panel, prom, UNIT, verdictMappings } from './common';

/** Each check series and its column, in column order. */
const COLUMNS = [
  ['measured', 'measured'],
  ['lower_bound', 'lower bound'],
  ['upper_bound', 'upper bound'],
  ['value', 'reference'],
  ['pass', 'pass'],
] as const;
const LABELS = ['stage_name', 'figure', 'source'];
const valueField = (i: number) => `Value #${String.fromCharCode(65 + i)}`;

/** The run's verdict: pass, REGRESSION or nothing checked. */
export function runVerdict(selector: string) {
  return panel(
    new stat.PanelBuilder()
      .unit(UNIT.none)
      .mappings(verdictMappings())
      .graphMode(common.BigValueGraphMode.None)
      .colorMode(common.BigValueColorMode.Background)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull'])),
    {
      title: 'Verdict',
      description:
        "The run's verdict against its recipe's references (aifb_benchmark_verdict): pass, REGRESSION (a check failed) or nothing checked. Empty when the recipe names no references.",
      w: 4,
      h: 8,
      targets: [
        prom(`max(last_over_time(aifb_benchmark_verdict${selector}[$__range]))`, '', { instant: true }),
      ],
    },
  );
}

/** Every check of the run: measured, the bounds allowed, the reference value and pass. */
export function referenceChecks(selector: string) {
  return panel(
    new table.PanelBuilder()
      .unit(UNIT.none)
      .sortBy([new common.TableSortByFieldStateBuilder().displayName('stage_name')])
      .overrideByName('pass', [{ id: 'mappings', value: booleanMappings('pass', 'FAIL') }])
      .withTransformation({ id: 'merge', options: {} })
      .withTransformation({
        id: 'organize',
        options: {
          excludeByName: { Time: true },
          // By the names before renaming: Grafana orders the fields, then renames them.
          indexByName: Object.fromEntries(
            [...LABELS, ...COLUMNS.map((_, i) => valueField(i))].map((name, i) => [name, i]),
          ),
          renameByName: Object.fromEntries(COLUMNS.map(([, label], i) => [valueField(i), label])),
        },
      }),
    {
      title: 'Reference checks',
      description:
        "The run's checks against its references (aifb_stage_reference_*), per stage, figure (its path in summary.json; values in that figure's unit) and source (recipe, last-good run): the value measured, the bounds allowed (empty: unbounded on that side), the reference value and whether it passed.",
      w: 20,
      h: 8,
      targets: COLUMNS.map(([series]) =>
        prom(
          `max by (${LABELS.join(', ')}) (last_over_time(aifb_stage_reference_${series}${selector}[$__range]))`,
          '',
          { instant: true, table: true },
        ),
      ),
    },
  );
}
