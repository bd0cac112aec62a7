/** Load-generating client jobs: one job array per stage, running the bundled loadgen. */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import type { BenchInput, ClientsCheck, FinishedClients } from '../core/contract';
import { type JobRef, jobNames, loadgenFiles, programFile, TERMINAL_STATES } from '../core/jobs';
import { loadgenConfig } from '../core/loadgen-config';
import type { ClientResult } from '../core/loadgen-protocol';
import { paths, resultFiles } from '../core/node/config';
import { writeFileAtomic } from '../core/node/files';
import { clientsPlacement, type Recipe } from '../core/recipe';
import { type Executor, readChunks } from '../executors/types';
import { renderClientsScript } from '../slurm-scripts/render';
import type { ActivityContext } from './context';
import { outputTail, permanent } from './failures';
import { heartbeat } from './heartbeat';
import { builtProgram } from './programs';

/** Extra time past cooldown + request timeout before stragglers are stopped. */
const FINISH_SLACK_MS = 30_000;

export function clientActivities(ctx: ActivityContext) {
  return {
    async startClients({
      benchmarkId,
      recipe,
      stageIndex,
      serviceUrl,
    }: BenchInput & { stageIndex: number; serviceUrl: string }): Promise<JobRef> {
      const { runtime, path: program } = builtProgram(ctx.config, 'loadgen', recipe);
      if (!recipe.workload.stages[stageIndex])
        throw permanent('BadConfig', `stage ${stageIndex} does not exist in recipe ${recipe.name}`);
      const name = jobNames.clients(benchmarkId, stageIndex);
      const tasks = recipe.workload.clients.count;
      const config = loadgenConfig(benchmarkId, recipe, stageIndex, serviceUrl);
      const uploads: Record<string, string> = { [programFile('loadgen', runtime)]: program };
      const datasetFile = recipe.workload.dataset.file;
      if (datasetFile) {
        const path = resolve(datasetFile.path);
        if (!existsSync(path))
          throw permanent('BadConfig', `workload.dataset.file.path: ${path} does not exist on the worker`);
        uploads[loadgenFiles.dataset] = path;
      }
      // Their own partition/account/qos: load generators should not queue for GPU nodes.
      const placement = clientsPlacement(recipe);
      const job = await ctx.executorFor(recipe).submit({
        name,
        benchmarkId,
        tasks,
        script: renderClientsScript({ jobName: name, clientCount: tasks, runtime }),
        files: { [loadgenFiles.config]: JSON.stringify(config, null, 2) },
        uploads,
        ...(recipe.workload.clients.resources ? { resources: recipe.workload.clients.resources } : {}),
        ...(placement ? { placement } : {}),
      });
      Context.current().log.info('client jobs submitted', { job: job.name, tasks });
      return job;
    },

    async checkClients({ job, recipe }: { job: JobRef; recipe: Recipe }): Promise<ClientsCheck> {
      const { state } = await ctx.executorFor(recipe).status(job);
      return { state, ended: TERMINAL_STATES.has(state) };
    },

    async finishClients({
      recipe,
      job,
      stageIndex,
      stopNow,
    }: BenchInput & { job: JobRef; stageIndex: number; stopNow: boolean }): Promise<FinishedClients> {
      const activity = Context.current();
      const executor = ctx.executorFor(recipe);
      const stage = recipe.workload.stages[stageIndex]!;
      const previous = activity.info.heartbeatDetails as { deadlineMs?: number } | undefined;
      const deadlineMs =
        previous?.deadlineMs ??
        Date.now() + stage.cooldown + recipe.workload.requestTimeout + FINISH_SLACK_MS;
      // SIGTERM makes each loadgen stop sending and write what it measured.
      if (stopNow) await executor.cancel(job);
      for (;;) {
        const { state } = await executor.status(job);
        if (TERMINAL_STATES.has(state)) break;
        heartbeat({ deadlineMs, state });
        if (Date.now() >= deadlineMs) {
          activity.log.warn('clients overran their stage; stopping them', { job: job.name });
          await executor.cancel(job);
          continue;
        }
        await activity.sleep(250);
      }
      const status = await executor.status(job);
      const results: ClientResult[] = [];
      const missing: FinishedClients['missing'] = [];
      for (let index = 0; index < job.tasks; index++) {
        const text = (await executor.readFile(job, loadgenFiles.result(index), 0, 64 << 20)).data.toString();
        try {
          results.push(JSON.parse(text) as ClientResult);
        } catch {
          const task = status.tasks[index];
          const exit =
            task?.exitCode !== undefined ? `exit status ${task.exitCode}` : (task?.state ?? 'unknown');
          missing.push({
            index,
            reason: `no result (${exit})${await outputTail(executor, job, index, 1500)}`,
          });
        }
      }
      if (recipe.workload.recordRequests) await copyRequestRecords(ctx, executor, job, stageIndex);
      return { results, missing, ...(stopNow ? { stoppedEarly: true } : {}) };
    },
  };
}

/**
 * Gathers the clients' `requests-<i>.jsonl` into `data/results/<id>/stage-<k>-requests.jsonl`
 * (rewritten whole, so a retried attempt gives the same file); writeResults joins the stages.
 */
async function copyRequestRecords(ctx: ActivityContext, executor: Executor, job: JobRef, stageIndex: number) {
  const chunks: Buffer[] = [];
  for (let index = 0; index < job.tasks; index++) {
    const file = loadgenFiles.requests(index);
    for await (const { data, nextOffset } of readChunks(executor, job, file, 0, 16 << 20)) {
      chunks.push(data);
      heartbeat({ copying: file, offset: nextOffset });
    }
  }
  const dir = paths.results(ctx.config, job.benchmarkId);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, resultFiles.stageRequests(stageIndex)), Buffer.concat(chunks).toString());
}
