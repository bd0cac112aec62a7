/** Merging client results into summaries and writing them to data/results/<id>/. */
import { mkdir, readFile } from 'node:fs/promises';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import type { BenchInput, BenchmarkActivities, FinishedClients } from '../core/benchmark';
import { paths } from '../core/config';
import { modelName, stageConcurrency, stageName } from '../core/recipe';
import {
  type BenchmarkSummary,
  type StageSummary,
  SUMMARY_SCHEMA,
  summarizeStage,
  toCsv,
} from '../core/summary';
import { requestRecordsFile } from './clients';
import type { ActivityContext } from './context';
import { permanent } from './failures';
import { writeFileAtomic } from './files';
import { withStageTelemetry } from './telemetry';

export function resultActivities(ctx: ActivityContext) {
  return {
    async collectMetrics({
      benchmarkId,
      recipe,
      stageIndex,
      clients,
    }: BenchInput & { stageIndex: number; clients: FinishedClients }): Promise<StageSummary> {
      const stage = recipe.workload.stages[stageIndex]!;
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
          requestedRatePerS: 'rate' in stage ? stage.rate : null,
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
      // Server-side aggregates, system samples and energy over the window; the final live push.
      const summary = await withStageTelemetry(ctx, { benchmarkId, recipe }, stageSummary, clients.results);
      const dir = paths.results(ctx.config, benchmarkId);
      await mkdir(dir, { recursive: true });
      // The raw client results (with their histograms) stay beside the summary for re-analysis.
      await writeFileAtomic(
        join(dir, `stage-${stageIndex}-${name}.json`),
        JSON.stringify({ summary, missing: clients.missing, clients: clients.results }, null, 2),
      );
      return summary;
    },

    async writeResults(input: Parameters<BenchmarkActivities['writeResults']>[0]): Promise<BenchmarkSummary> {
      const { benchmarkId, recipe } = input;
      const summary: BenchmarkSummary = {
        schema: SUMMARY_SCHEMA,
        benchmarkId,
        recipeName: recipe.name,
        status: input.status,
        startedAt: new Date(input.startedAtMs).toISOString(),
        finishedAt: new Date().toISOString(),
        executor: recipe.target.executor,
        service: { kind: recipe.service.kind, model: modelName(recipe), endpoint: input.endpoint },
        stages: input.stages,
        collectedOn: { hostname: hostname(), cpus: cpus().length, node: process.version },
        ...(input.error ? { error: input.error } : {}),
      };
      const dir = paths.results(ctx.config, benchmarkId);
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, 'recipe.json'), JSON.stringify(recipe, null, 2));
      await writeFileAtomic(join(dir, 'results.csv'), toCsv(summary));
      await writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
      if (recipe.workload.recordRequests) {
        // One file for the run: the stages' records in stage order (each record names its stage).
        const parts = await Promise.all(
          input.stages.map((st) => readFile(join(dir, requestRecordsFile(st.index)), 'utf8').catch(() => '')),
        );
        await writeFileAtomic(join(dir, 'requests.jsonl'), parts.join(''));
      }
      return summary;
    },
  };
}
