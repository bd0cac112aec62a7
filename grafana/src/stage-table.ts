/**
 * A table with one row per stage and one column per stage figure (the `aifb_stage_*` series the
 * relay pushes once per stage from summary.json): one instant query per column, merged on the
 * stage labels, renamed and given its unit.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { panel, prom, UNIT } from './common';

export interface Column {
  /** Shown as the column header. */
  label: string;
  /** A PromQL expression over the benchmark's stage series, e.g. `aifb_stage_requests_ok{...}`. */
  expr: string;
  unit: string;
}

/** `last_over_time` over the dashboard's range: the stage series stop being scraped after retention. */
export const lastOf = (expr: string) => `max by (stage, stage_name) (last_over_time(${expr}[$__range]))`;

export function stageTable(title: string, description: string, columns: Column[], w = 24, h = 8) {
  const builder = new table.PanelBuilder()
    .unit(UNIT.none)
    .sortBy([new common.TableSortByFieldStateBuilder().displayName('stage')])
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({
      id: 'organize',
      options: {
        excludeByName: { Time: true },
        renameByName: Object.fromEntries(
          columns.map((c, i) => [`Value #${String.fromCharCode(65 + i)}`, c.label]),
        ),
      },
    });
  for (const c of columns) builder.overrideByName(c.label, [{ id: 'unit', value: c.unit }]);
  return panel(builder, {
    title,
    description,
    w,
    h,
    targets: columns.map((c) => prom(lastOf(c.expr), '', { instant: true, table: true })),
  });
}
