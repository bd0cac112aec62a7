/** `aifb schedule ...`: Temporal Schedules that run a recipe periodically (nightly regressions). */
import { Command } from 'commander';
import type { ScheduleView } from '../control/types';
import { withControl } from './commands';
import { loadValidRecipe } from './recipe-input';

function describe(view: ScheduleView): string {
  const when = [...view.cron.map((c) => `cron "${c}"`), ...view.everyMs.map((ms) => `every ${ms / 1000}s`)];
  return (
    `${view.scheduleId}: recipe ${view.recipeName ?? '?'}, ${when.join(', ')}${view.paused ? ', PAUSED' : ''}` +
    `; next ${view.nextRuns[0] ?? '-'}; last run ${view.recentRuns.at(-1)?.workflowId ?? 'none yet'}`
  );
}

export function scheduleCommand(): Command {
  const schedule = new Command('schedule').description('run a recipe periodically (Temporal Schedules)');

  schedule
    .command('create')
    .description('create a schedule: exactly one of --cron or --every')
    .argument('<file>', 'recipe (YAML or JSON)')
    .option('--cron <expr>', 'e.g. "0 2 * * *" (02:00 UTC daily)')
    .option('--every <duration>', 'e.g. 6h')
    .option('--id <scheduleId>', 'default aifb-<recipe name>')
    .option('--paused', 'create it paused')
    .option('--refs <file>', "references every run is judged against, added to the recipe's own (YAML/JSON)")
    .action(
      async (
        file: string,
        o: { cron?: string; every?: string; id?: string; paused?: boolean; refs?: string },
      ) => {
        const { input } = await loadValidRecipe(file, o.refs);
        const view = await withControl((c) =>
          c.createSchedule({
            recipe: input,
            ...(o.cron ? { cron: o.cron } : {}),
            ...(o.every ? { every: o.every } : {}),
            ...(o.id ? { scheduleId: o.id } : {}),
            ...(o.paused ? { paused: true } : {}),
          }),
        );
        console.log(describe(view));
      },
    );

  schedule
    .command('list')
    .description('list benchmark schedules')
    .option('--json', 'print them as JSON')
    .action(async (o: { json?: boolean }) => {
      const views = await withControl((c) => c.listSchedules());
      if (o.json) console.log(JSON.stringify(views, null, 2));
      else console.log(views.length ? views.map(describe).join('\n') : 'no schedules');
    });

  for (const [name, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    schedule
      .command(name)
      .description(paused ? 'pause a schedule' : 'resume a paused schedule')
      .argument('<scheduleId>')
      .action(async (id: string) => {
        console.log(describe(await withControl((c) => c.setSchedulePaused(id, paused))));
      });
  }

  schedule
    .command('delete')
    .description('delete a schedule (the runs it started stay)')
    .argument('<scheduleId>')
    .action(async (id: string) => {
      await withControl((c) => c.deleteSchedule(id));
      console.log(`deleted ${id}`);
    });
  return schedule;
}
