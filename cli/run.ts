/** `aifb run FILE`: start a benchmark, show it live, print its results. */
import { HttpControl } from '../control/http-control';
import { ensureSearchAttributes } from '../control/search-attributes';
import { TemporalControl } from '../control/temporal-control';
import type { BenchmarkControl } from '../control/types';
import { type AifbConfig, paths } from '../core/node/config';
import { installRuntime } from '../workers/runtime';
import { exitCodeOf } from './commands';
import { openSession, type Session } from './connect';
import { renderResultsTable } from './table';
import { watchUntilEnd } from './watch';

export interface RunOptions {
  detach: boolean;
  json: boolean;
}

/**
 * Through the API when AIFB_API_URL is set; else on Temporal, starting the embedded stack and
 * an in-process worker when needed (cli/connect.ts).
 */
async function openRunControl(
  config: AifbConfig,
  options: RunOptions,
  log: (line: string) => void,
): Promise<{ control: BenchmarkControl; session: Session | null }> {
  if (process.env.AIFB_API_URL) {
    return {
      control: new HttpControl(process.env.AIFB_API_URL, process.env.AIFB_API_TOKEN || null),
      session: null,
    };
  }
  const session = await openSession(config, { ensureWorker: !options.detach, log });
  await ensureSearchAttributes(session.client.connection, session.namespace);
  return { control: new TemporalControl(session.client, config), session };
}

export async function runBenchmark(
  config: AifbConfig,
  recipeInput: unknown,
  options: RunOptions,
): Promise<number> {
  const log = (line: string) => console.error(line);
  // The live view shares the terminal, and failures are reported below in plain words:
  // only errors from the SDK itself, unless AIFB_LOG_LEVEL says otherwise.
  installRuntime('ERROR');
  const { control, session } = await openRunControl(config, options, log);
  const close = async () => {
    await control.close();
    await session?.close();
  };
  const { benchmarkId } = await control.start(recipeInput);
  const ui = session?.uiUrl
    ? ` — ${session.uiUrl}/namespaces/${session.namespace}/workflows/${benchmarkId}`
    : '';
  log(`started ${benchmarkId} on ${session?.address ?? process.env.AIFB_API_URL}${ui}`);
  if (options.detach) {
    console.log(benchmarkId);
    await close();
    return 0;
  }
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      log('\ncancelling the benchmark: teardown runs first (Ctrl-C again to leave it running on the server)');
      control.cancel(benchmarkId).catch(() => undefined);
    } else {
      log('leaving the benchmark to the server; it resumes when a worker is back');
      close().finally(() => process.exit(130));
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const view = await watchUntilEnd(control, benchmarkId);
    if (view.status === 'cancelled') {
      log(`benchmark ${benchmarkId} cancelled; its jobs were torn down`);
    } else {
      if (view.status !== 'completed') log(`benchmark ${benchmarkId} failed: ${view.failure ?? view.status}`);
      const summary =
        view.status === 'completed'
          ? await control.results(benchmarkId)
          : await control.results(benchmarkId).catch(() => null);
      // A completed run, or an invalid one (it failed, its numbers kept and marked): the table.
      if (summary && (view.status === 'completed' || summary.status === 'invalid')) {
        if (options.json) console.log(JSON.stringify(summary, null, 2));
        else {
          console.log(renderResultsTable(summary, process.stdout.isTTY));
          if (session) {
            console.log(`results: ${paths.results(config, benchmarkId)}/ (summary.json, results.csv)`);
            console.log(`logs:    ${paths.logs(config, benchmarkId)}/`);
          }
          const prometheus = config.telemetry?.prometheusUrl;
          if (prometheus) {
            const expr = encodeURIComponent(`{benchmark="${benchmarkId}"}`);
            console.log(
              `metrics: ${prometheus}/graph?g0.expr=${expr}${session?.startedServer ? ' (stopped with this run; `npx aifb dev` serves it again)' : ''}`,
            );
          }
        }
      }
    }
    return exitCodeOf(view.status);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await close();
  }
}
