/** `aifb run FILE`: start a benchmark, show it live, print its results. */
import { randomBytes } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { WORKFLOW_TYPE } from '../core/benchmark';
import { type AifbConfig, paths } from '../core/config';
import type { Recipe } from '../core/recipe';
import type { BenchmarkSummary } from '../core/summary';
import { installRuntime } from '../workers/runtime';
import { openSession } from './connect';
import { formatLiveLine, readLiveView } from './progress';
import { renderResultsTable } from './table';

export function newBenchmarkId(recipeName: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const suffix = [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
  return `bench-${recipeName}-${suffix}`;
}

/** The message a person needs from a failed workflow: the domain failure, not the wrappers. */
export function failureMessage(err: unknown): string {
  const chain: unknown[] = [];
  for (let e: unknown = err; e instanceof Error && chain.length < 20; e = e.cause) chain.push(e);
  const domain = chain.find((e) => e instanceof ApplicationFailure) as ApplicationFailure | undefined;
  if (domain) return domain.message;
  const last = chain.at(-1);
  return last instanceof Error ? last.message : String(err);
}

/** Phase and stage, without the countdown: a change here is worth a line in a log file. */
const headline = (line: string) => line.split(' | ')[0]!.replace(/ \d+s left$/, '');

export interface RunOptions {
  detach: boolean;
  json: boolean;
}

export async function runBenchmark(
  config: AifbConfig,
  recipeInput: unknown,
  recipe: Recipe,
  options: RunOptions,
): Promise<number> {
  const log = (line: string) => console.error(line);
  // The live view shares the terminal, and failures are reported below in plain words:
  // only errors from the SDK itself, unless AIFB_LOG_LEVEL says otherwise.
  installRuntime('ERROR');
  const session = await openSession(config, { ensureWorker: !options.detach, log });
  const benchmarkId = newBenchmarkId(recipe.name);
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      log('\ncancelling the benchmark: teardown runs first (Ctrl-C again to leave it running on the server)');
      handle.cancel().catch(() => undefined);
    } else {
      log('leaving the benchmark to the server; it resumes when a worker is back');
      session.close().finally(() => process.exit(130));
    }
  };
  const handle = await session.client.workflow.start(WORKFLOW_TYPE, {
    taskQueue: config.taskQueue,
    workflowId: benchmarkId,
    args: [recipeInput],
  });
  log(
    `started ${benchmarkId} on ${session.address}${session.uiUrl ? ` — ${session.uiUrl}/namespaces/${session.namespace}/workflows/${benchmarkId}` : ''}`,
  );
  if (options.detach) {
    console.log(benchmarkId);
    await session.close();
    return 0;
  }
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const tty = process.stderr.isTTY;
  let lastLine = '';
  let lastPrinted = 0;
  let inFlight: Promise<unknown> = Promise.resolve();
  const ticker = setInterval(async () => {
    const pending = readLiveView(handle);
    inFlight = pending;
    const view = await pending;
    if (!view) return;
    const line = formatLiveLine(view, Date.now());
    if (tty) {
      process.stderr.write(`\r\x1b[K${line}`);
    } else if (headline(line) !== headline(lastLine) || Date.now() - lastPrinted > 5000) {
      log(line);
      lastPrinted = Date.now();
    }
    lastLine = line;
  }, 1000);
  try {
    const summary = (await handle.result()) as BenchmarkSummary;
    clearInterval(ticker);
    if (tty) process.stderr.write('\r\x1b[K');
    if (options.json) console.log(JSON.stringify(summary, null, 2));
    else {
      console.log(renderResultsTable(summary, process.stdout.isTTY));
      console.log(`results: ${paths.results(config, benchmarkId)}/ (summary.json, results.csv)`);
      console.log(`logs:    ${paths.logs(config, benchmarkId)}/`);
      const prometheus = config.telemetry?.prometheusUrl;
      if (prometheus) {
        const expr = encodeURIComponent(`{benchmark="${benchmarkId}"}`);
        console.log(
          `metrics: ${prometheus}/graph?g0.expr=${expr}${session.startedServer ? ' (stopped with this run; `npx aifb dev` serves it again)' : ''}`,
        );
      }
    }
    return 0;
  } catch (err) {
    clearInterval(ticker);
    if (tty) process.stderr.write('\r\x1b[K');
    if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) {
      log(`benchmark ${benchmarkId} cancelled; its jobs were torn down`);
      return 130;
    }
    log(`benchmark ${benchmarkId} failed: ${failureMessage(err)}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await inFlight;
    await session.close();
  }
}
