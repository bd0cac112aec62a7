/**
 * The commands that act on benchmarks through a `BenchmarkControl` (API or Temporal, see
 * control-client.ts): list, status, watch, stop, stop-stage, cancel, logs, results, compare,
 * schedule. Each opens the control, does one thing and closes it.
 */
import type { Command } from 'commander';
import { type BenchmarkControl, type ListFilter, RUN_STATUSES, type RunStatus } from '../control/types';
import { loadConfig } from '../core/node/config';
import { toCsv } from '../core/summary';
import { buildCompare, renderCompare } from './compare';
import { loadRefs, loadRun } from './compare-input';
import { openControl } from './control-client';
import { EXIT, ExitCode } from './exit';
import { renderHistory } from './history-format';
import { renderList, renderStatus } from './list-format';
import { renderResultsTable } from './table';
import { watchUntilEnd } from './watch';

export async function withControl<T>(fn: (control: BenchmarkControl) => Promise<T>): Promise<T> {
  const control = await openControl(loadConfig());
  try {
    return await fn(control);
  } finally {
    await control.close();
  }
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`${name}: expected a positive integer, got ${value}`);
    throw new ExitCode(EXIT.badInput);
  }
  return n;
}

/** Exit code of a run that ended: what `run` and `watch` return. */
export function exitCodeOf(status: RunStatus): number {
  if (status === 'completed') return EXIT.ok;
  return status === 'cancelled' ? EXIT.cancelled : EXIT.failure;
}

export function addControlCommands(program: Command): void {
  program
    .command('list')
    .description('list benchmarks from Temporal visibility')
    .option('--status <status>', RUN_STATUSES.join(' | '))
    .option('--recipe <name>', 'recipe name')
    .option('--service-kind <kind>', 'simulator | command | ...')
    .option('--phase <phase>', 'e.g. loading, tearing-down')
    .option('--since <time>', 'started at or after (ISO 8601)')
    .option('--limit <n>', 'at most n rows', '50')
    .option('--json', 'print the rows as JSON')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      if (o.status !== undefined && !RUN_STATUSES.includes(o.status as RunStatus)) {
        console.error(`--status: one of ${RUN_STATUSES.join(', ')}`);
        throw new ExitCode(EXIT.badInput);
      }
      const filter: ListFilter = {
        ...(o.status ? { status: o.status as RunStatus } : {}),
        ...(o.recipe ? { recipe: String(o.recipe) } : {}),
        ...(o.serviceKind ? { serviceKind: String(o.serviceKind) } : {}),
        ...(o.phase ? { phase: String(o.phase) as ListFilter['phase'] & string } : {}),
        ...(o.since ? { startedAfter: String(o.since) } : {}),
        pageSize: positiveInt('--limit', String(o.limit)) ?? 50,
      };
      const page = await withControl((c) => c.list(filter));
      console.log(o.json ? JSON.stringify(page.items, null, 2) : renderList(page.items));
    });

  program
    .command('status')
    .description('the status of one benchmark: phase, stage, jobs, failure')
    .argument('<id>', 'benchmark id')
    .option('--json', 'print the status as JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const view = await withControl((c) => c.status(id));
      console.log(o.json ? JSON.stringify(view, null, 2) : renderStatus(view));
    });

  program
    .command('watch')
    .description('live progress bars per stage and client until the benchmark ends; exits like `run`')
    .argument('<id>', 'benchmark id')
    .action(async (id: string) => {
      const view = await withControl((c) => watchUntilEnd(c, id));
      if (view.failure) console.error(`failed: ${view.failure}`);
      const code = exitCodeOf(view.status);
      if (code !== EXIT.ok) throw new ExitCode(code);
    });

  program
    .command('stop')
    .description(
      'stop a benchmark gracefully: the current stage ends now and keeps its numbers, teardown runs',
    )
    .argument('<id>', 'benchmark id')
    .option('--reason <text>', 'recorded with the request')
    .action(async (id: string, o: { reason?: string }) => {
      const ack = await withControl((c) => c.stop(id, o.reason));
      console.log(`stopping ${id} (was ${ack.phase}${ack.stageName ? `, stage ${ack.stageName}` : ''})`);
    });

  program
    .command('stop-stage')
    .description('end the current stage of a benchmark now; the next stage starts')
    .argument('<id>', 'benchmark id')
    .action(async (id: string) => {
      const ack = await withControl((c) => c.stopStage(id));
      console.log(`ending stage ${ack.stageName} of ${id}`);
    });

  program
    .command('cancel')
    .description('cancel a benchmark (Temporal cancellation): teardown runs, it ends as cancelled')
    .argument('<id>', 'benchmark id')
    .action(async (id: string) => {
      await withControl((c) => c.cancel(id));
      console.log(`cancelling ${id}`);
    });

  program
    .command('logs')
    .description("print a job's log (service, service.err, s0-clients-0, ...)")
    .argument('<id>', 'benchmark id')
    .option('--component <name>', 'which log (default: service; the list is printed when it is wrong)')
    .option('--tail <n>', 'only the last n lines')
    .option('-f, --follow', 'keep printing what is appended until the benchmark ends')
    .action(async (id: string, o: { component?: string; tail?: string; follow?: boolean }) => {
      const tail = positiveInt('--tail', o.tail);
      await withControl(async (c) => {
        const first = await c.logs(id, {
          ...(o.component ? { component: o.component } : {}),
          ...(tail ? { tail } : {}),
        });
        process.stdout.write(first.text);
        if (!o.follow) return;
        let offset = first.nextOffset;
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const next = await c.logs(id, { component: first.component, offset });
          process.stdout.write(next.text);
          offset = next.nextOffset;
          if (next.text === '' && (await c.status(id)).status !== 'running') return;
        }
      });
    });

  program
    .command('results')
    .description('print the results of a finished benchmark')
    .argument('<id>', 'benchmark id (bench-<name>-<suffix>)')
    .option('--format <format>', 'table | json | csv', 'table')
    .action(async (id: string, o: { format: string }) => {
      if (!['table', 'json', 'csv'].includes(o.format)) {
        console.error(`--format: table, json or csv (got ${o.format})`);
        throw new ExitCode(EXIT.badInput);
      }
      const summary = await withControl((c) => c.results(id));
      if (o.format === 'json') console.log(JSON.stringify(summary, null, 2));
      else if (o.format === 'csv') process.stdout.write(toCsv(summary));
      else console.log(renderResultsTable(summary, process.stdout.isTTY));
    });

  program
    .command('history')
    .description(
      "a recipe's results history: every finished run, oldest first, with its verdict and headline figures",
    )
    .argument('<recipe>', 'recipe name')
    .option('--limit <n>', 'the last n runs only')
    .option('--json', 'print the entries as JSON')
    .action(async (recipe: string, o: { limit?: string; json?: boolean }) => {
      const limit = positiveInt('--limit', o.limit);
      const entries = await withControl((c) => c.history(recipe, limit ? { limit } : {}));
      console.log(o.json ? JSON.stringify(entries, null, 2) : renderHistory(recipe, entries));
    });

  program
    .command('compare')
    .description(
      'compare B against A stage by stage (deltas, environment, regressions beyond a tolerance); with one run, its verdict',
    )
    .argument('<a>', 'benchmark id or summary.json file (the baseline)')
    .argument('[b]', 'benchmark id or summary.json file')
    .option(
      '--refs <file>',
      "judge the last run given against these references (YAML/JSON, a recipe's `references` shape)",
    )
    .option('--tolerance <pct>', 'how much worse B may be than A before it counts as a regression', '10%')
    .option('--fail-on-regression', 'exit 1 when a check fails (for nightly schedules and CI)')
    .option('--json', 'print the comparison as JSON')
    .action(
      async (
        a: string,
        b: string | undefined,
        o: { refs?: string; tolerance: string; failOnRegression?: boolean; json?: boolean },
      ) => {
        const tolerance = parseTolerance(o.tolerance);
        const refs = o.refs ? await loadRefs(o.refs) : undefined;
        let control: BenchmarkControl | undefined;
        const open = async () => {
          control ??= await openControl(loadConfig());
          return control;
        };
        try {
          const sa = await loadRun(a, open);
          const sb = b === undefined ? null : await loadRun(b, open);
          const report = buildCompare(sa, sb, { tolerance, ...(refs ? { refs } : {}) });
          console.log(o.json ? JSON.stringify(report, null, 2) : renderCompare(sa, sb, report));
          if (o.failOnRegression && report.regression) throw new ExitCode(EXIT.failure);
        } finally {
          await control?.close();
        }
      },
    );
}

/** `10%` or `0.1`: a fraction, 0 or more. */
function parseTolerance(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (!m) {
    console.error(`--tolerance: expected a percentage like 10% or a fraction like 0.1, got ${text}`);
    throw new ExitCode(EXIT.badInput);
  }
  return m[2] ? Number(m[1]) / 100 : Number(m[1]);
}
