/** Merging client results into summaries and writing them to data/results/<id>/. */
import { mkdir, readFile } from 'node:fs/promises';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { BenchmarkActivities } from '../core/contract';
import { servedRecipe } from '../core/deployment';
import { historyEntryOf } from '../core/history';
import { clientsJobOf, type JobRef, serviceJobOf } from '../core/jobs';
import { paths, resultFiles } from '../core/node/config';
import { writeFileAtomic } from '../core/node/files';
import { appendHistory, readHistory } from '../core/node/history-file';
import { planResults } from '../core/plan-results';
import type { Recipe } from '../core/recipe';
import { loadStageAt, modelName, requestedRate, stageConcurrency, stageName } from '../core/recipe-read';
import {
  type BenchmarkSummary,
  measuredWindow,
  type StageSummary,
  SUMMARY_SCHEMA,
  summarizeStage,
  toCsv,
} from '../core/summary';
import { judgeStage, type StageCircumstances } from '../core/validity';
import { judgeRun, referencedFigures } from '../core/verdict';
import type { Executor } from '../executors/types';
import { healthProblem } from '../services/probe';
import type { ActivityContext } from './context';
import { runEnvironment } from './environment';
import { permanent } from './failures';
import { RunTelemetry } from './run-telemetry';
import { stageTelemetry } from './stage-telemetry';

export function resultActivities(ctx: ActivityContext) {
  return {
    async collectMetrics({
      benchmarkId,
      recipe,
      stageIndex,
      clients,
      service: deploymentJob,
      origin,
      oversaturation,
    }: Parameters<BenchmarkActivities['collectMetrics']>[0]): Promise<StageSummary> {
      const stage = loadStageAt(recipe, stageIndex);
      const name = stageName(recipe, stageIndex);
      if (clients.results.length === 0) {
        const reasons = clients.missing.map((m) => `client ${m.index}: ${m.reason}`).join('\n');
        throw permanent('NoClientResults', `stage ${name}: no client reported results\n${reasons}`);
      }
      const stageSummary = summarizeStage(
        {
          index: stageIndex,
          name,
          mode: stage.mode,
          concurrency: stageConcurrency(stage),
          requestedRatePerS: requestedRate(stage),
          bounds: {
            durationS: stage.duration === undefined ? null : stage.duration / 1000,
            maxRequests: stage.maxRequests ?? null,
            warmupS: stage.warmup / 1000,
            cooldownS: stage.cooldown / 1000,
          },
          clientsExpected: recipe.workload.clients.count,
          hasSlo: Object.values(recipe.workload.slo ?? {}).some((v) => v !== undefined),
          exactOutputLength: recipe.workload.dataset.exactOutputLength,
        },
        clients.results,
      );
      // Server-side aggregates, system samples and energy over the measured window.
      const executor = ctx.executorFor(recipe);
      const jobs = await executor.listJobs(benchmarkId);
      const window = measuredWindow(clients.results);
      // A deployment's job is not among the benchmark's own: the workflow passes it.
      const service = deploymentJob ?? serviceJobOf(benchmarkId, jobs);
      const outputTokens = stageSummary.tokens.output;
      const telemetry = await stageTelemetry(
        ctx.config,
        executor,
        benchmarkId,
        service,
        window,
        outputTokens,
      );
      // Whether the stage measured what was asked: the service lived through it, every client
      // reported, errors and the load generators stayed within the recipe's limits.
      const validity = judgeStage(stageSummary, recipe.workload.validity, {
        service: await serviceAlive(executor, recipe, service),
        missingClients: clients.missing,
        ...(clients.stoppedEarly ? { stoppedEarly: true } : {}),
        ...(oversaturation ? { oversaturation } : {}),
      });
      const summary: StageSummary = {
        ...stageSummary,
        window,
        ...telemetry,
        validity,
        ...(origin ? { origin } : {}),
        ...(oversaturation ? { oversaturation } : {}),
      };
      // The final live push: the clients' last snapshots (the relay may not have passed since
      // they ended) and the stage's results.
      const live = new RunTelemetry(ctx.config, executor, benchmarkId, recipe, (m) =>
        Context.current().log.warn(m),
      );
      await live.pushClients(clientsJobOf(benchmarkId, jobs), { index: stageIndex, name });
      await live.pushStageSummary(summary);
      const dir = paths.results(ctx.config, benchmarkId);
      await mkdir(dir, { recursive: true });
      // The raw client results (with their histograms) stay beside the summary for re-analysis.
      await writeFileAtomic(
        join(dir, resultFiles.stageRaw(stageIndex, name)),
        JSON.stringify({ summary, missing: clients.missing, clients: clients.results }, null, 2),
      );
      return summary;
    },

    async writeResults(input: Parameters<BenchmarkActivities['writeResults']>[0]): Promise<BenchmarkSummary> {
      const { benchmarkId, recipe } = input;
      const activity = Context.current();
      // Stopped while queued, a run naming a deployment never attached: it names no service yet.
      const attached = recipe.service.kind !== 'deployment';
      const executor = ctx.executorFor(recipe);
      const service = attached
        ? { kind: recipe.service.kind, model: modelName(servedRecipe(recipe)) }
        : { kind: 'deployment', model: '-' };
      // Where and on what it ran, as the jobs saw it: best effort, never fails the run.
      const environment = await runEnvironment({
        executor,
        benchmarkId,
        recipe,
        service,
        identity: input.identity,
        serviceJob: input.serviceJob,
      }).catch((err: unknown) => {
        activity.log.warn('environment not collected', { error: String(err) });
        return undefined;
      });
      const summary: BenchmarkSummary = {
        schema: SUMMARY_SCHEMA,
        benchmarkId,
        recipeName: recipe.name,
        status: input.status,
        startedAt: new Date(input.startedAtMs).toISOString(),
        finishedAt: new Date().toISOString(),
        executor: recipe.target.executor,
        service: {
          ...service,
          endpoint: input.endpoint,
          ...(input.identity ? { identity: input.identity } : {}),
          ...(input.timing ? { timing: input.timing } : {}),
          ...(input.deployment ? { deployment: input.deployment } : {}),
        },
        stages: input.stages,
        collectedOn: { hostname: hostname(), cpus: cpus().length, node: process.version },
        ...(input.error ? { error: input.error } : {}),
        ...(input.invalid ? { invalid: input.invalid } : {}),
        ...(input.clientsQueueWaitMs !== undefined ? { clientsQueueWaitMs: input.clientsQueueWaitMs } : {}),
        ...(environment ? { environment } : {}),
        // Sweeps, capacity searches and repetitions: what they amount to (core/plan-results.ts).
        ...planResults(recipe, input.stages),
      };
      // Against the recipe's references and its last good run (the history, before this run joins it).
      const history = recipe.references?.lastGood ? await readHistory(ctx.config, recipe.name) : [];
      const verdict = judgeRun(summary, recipe.references, history);
      if (verdict) summary.verdict = verdict;
      const dir = paths.results(ctx.config, benchmarkId);
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, resultFiles.recipe), JSON.stringify(recipe, null, 2));
      await writeFileAtomic(join(dir, resultFiles.csv), toCsv(summary));
      await writeFileAtomic(join(dir, resultFiles.summary), JSON.stringify(summary, null, 2));
      if (recipe.workload.recordRequests) {
        // One file for the run: the stages' records in stage order (each record names its stage).
        const parts = await Promise.all(
          input.stages.map((st) =>
            readFile(join(dir, resultFiles.stageRequests(st.index)), 'utf8').catch(() => ''),
          ),
        );
        await writeFileAtomic(join(dir, resultFiles.requests), parts.join(''));
      }
      // The recipe's results history (trends, the next run's "last good"), then the run's end
      // series: its verdict and environment beside the stages' aifb_stage_* results.
      await appendHistory(ctx.config, historyEntryOf(summary, referencedFigures(recipe.references)));
      await new RunTelemetry(ctx.config, executor, benchmarkId, recipe, (m) =>
        activity.log.warn(m),
      ).pushRunSummary(summary);
      return summary;
    },
  };
}

/** Whether the service lived through the stage: its job still runs, or (external) it still answers. */
async function serviceAlive(
  executor: Executor,
  recipe: Recipe,
  service: JobRef | undefined,
): Promise<StageCircumstances['service']> {
  if (recipe.service.kind === 'external') {
    const problem = await healthProblem(recipe.service.url, {
      service: recipe.service,
      ...(recipe.workload.apiKeyEnv ? { apiKeyEnv: recipe.workload.apiKeyEnv } : {}),
    });
    return problem === null
      ? { alive: true, state: 'ANSWERING' }
      : { alive: false, state: 'NOT ANSWERING', reason: problem };
  }
  const status = service ? await executor.status(service) : undefined;
  return {
    alive: status?.state === 'RUNNING',
    state: status?.state ?? 'missing',
    ...(status?.reason ? { reason: status.reason } : {}),
  };
}
