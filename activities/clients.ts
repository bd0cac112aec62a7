/**
 * The load-generating clients: ONE job array for all the benchmark's stages. Its clients stay up
 * between stages; each stage is handed to them as files in the job's folder (core/jobs.ts
 * loadgenFiles, loadgen/serve.ts) and starts on all of them together (core/stage-start.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import type { BenchInput, BenchmarkActivities, ClientsCheck, FinishedClients } from '../core/contract';
import { type JobRef, jobFiles, jobNames, loadgenFiles, programFile, TERMINAL_STATES } from '../core/jobs';
import { loadgenConfig } from '../core/loadgen-config';
import type { ClientResult, LoadgenConfig, ProgressSnapshot } from '../core/loadgen-protocol';
import { paths, resultFiles } from '../core/node/config';
import { writeFileAtomic } from '../core/node/files';
import {
  detectOversaturation,
  type OversaturationVerdict,
  oversaturationSettings,
  samplesFromProgress,
} from '../core/oversaturation';
import type { Recipe } from '../core/recipe';
import { clientsPlacement, loadStageAt } from '../core/recipe-read';
import { barrierDecision, type StageGo, startBoundMs, startDelayMs } from '../core/stage-start';
import { parseTrace } from '../core/trace';
import { type Executor, readChunks } from '../executors/types';
import { benchmarkPostgresPassword } from '../services/postgres';
import { factsScript, renderClientsScript } from '../slurm-scripts/render';
import type { ActivityContext } from './context';
import { outputTail, permanent } from './failures';
import { heartbeat } from './heartbeat';
import { logShipJob } from './log-ship';
import { builtProgram } from './programs';

/** Extra time past cooldown + request timeout before stragglers are told to stop. */
const FINISH_SLACK_MS = 30_000;
/** After that stop, how long before the clients job is cancelled outright. */
const STOP_GRACE_MS = 30_000;
const POLL_MS = 500;

async function exists(executor: Executor, job: JobRef, name: string): Promise<boolean> {
  return (await executor.readFile(job, name, 0, 1)).data.length > 0;
}

/**
 * Whether stage `stageIndex` is over on `clients` (those its go named): the job ended, or each
 * of them has ended or written its result. The relay hub asks it too (activities/relay-hub.ts).
 */
export async function stageEnded(
  executor: Executor,
  job: JobRef,
  stageIndex: number,
  clients: readonly number[],
): Promise<ClientsCheck> {
  const status = await executor.status(job);
  if (TERMINAL_STATES.has(status.state)) return { state: status.state, ended: true };
  for (const index of clients) {
    const task = status.tasks[index];
    if (task && TERMINAL_STATES.has(task.state)) continue;
    if (!(await exists(executor, job, loadgenFiles.result(stageIndex, index)))) {
      return { state: status.state, ended: false };
    }
  }
  return { state: status.state, ended: true };
}

export async function readGo(
  executor: Executor,
  job: JobRef,
  stageIndex: number,
): Promise<StageGo | undefined> {
  const text = (await executor.readFile(job, loadgenFiles.go(stageIndex), 0, 1 << 20)).data.toString();
  try {
    return text ? (JSON.parse(text) as StageGo) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A trace is checked here, once, rather than failing in every client job: a bad line is a
 * recipe error (with its line number), not a crash on the compute nodes.
 */
async function checkedTrace(given: string): Promise<string> {
  const path = resolve(given);
  if (!existsSync(path))
    throw permanent('BadConfig', `workload.dataset.trace.path: ${path} does not exist on the worker`);
  try {
    parseTrace(await readFile(path, 'utf8'));
  } catch (err) {
    throw permanent('BadConfig', `workload.dataset.trace.path: ${path}: ${(err as Error).message}`);
  }
  return path;
}

/**
 * The sql workload logs in with the password its postgres job drew: read from that job's folder
 * into the stage file (the clients' folder), so it never passes through the workflow's history.
 */
async function withServicePassword(
  executor: Executor,
  benchmarkId: string,
  recipe: Recipe,
  config: LoadgenConfig,
): Promise<LoadgenConfig> {
  if (config.workload?.kind !== 'sql' || recipe.service.kind !== 'postgres') return config;
  const password = await benchmarkPostgresPassword(executor, benchmarkId);
  if (password === null)
    throw permanent(
      'BadConfig',
      "the sql workload found no password in the postgres service job's folder (a postgres deployment cannot serve it yet: give the benchmark its own postgres service)",
    );
  return { ...config, workload: { ...config.workload, password } };
}

export function clientActivities(ctx: ActivityContext) {
  return {
    /** Submits the clients job (adopted on a retry): N tasks that wait for their first stage. */
    async startClients({ benchmarkId, recipe }: BenchInput): Promise<JobRef> {
      const { runtime, path: program } = builtProgram(ctx.config, 'loadgen', recipe);
      const name = jobNames.clients(benchmarkId);
      const tasks = recipe.workload.clients.count;
      const uploads: Record<string, string> = {
        [programFile('loadgen', runtime)]: program,
        [jobFiles.factsScript]: factsScript,
      };
      const lokiUrl = recipe.telemetry.directLokiUrl;
      const ship = lokiUrl
        ? logShipJob(ctx.config, recipe, lokiUrl, { benchmarkId, jobName: name, tasks })
        : undefined;
      const datasetFile = recipe.workload.dataset.file;
      if (datasetFile) {
        const path = resolve(datasetFile.path);
        if (!existsSync(path))
          throw permanent('BadConfig', `workload.dataset.file.path: ${path} does not exist on the worker`);
        uploads[loadgenFiles.dataset] = path;
      }
      const trace = recipe.workload.dataset.trace;
      if (trace) uploads[loadgenFiles.trace] = await checkedTrace(trace.path);
      // A command client's own files (its script, its data), by their names.
      (recipe.workload.command?.upload ?? []).forEach((file, i) => {
        const path = resolve(file);
        if (!existsSync(path))
          throw permanent('BadConfig', `workload.command.upload.${i}: ${path} does not exist on the worker`);
        uploads[basename(path)] = path;
      });
      const vectorFile = recipe.workload.vector?.file;
      if (vectorFile) {
        for (const [field, given, name] of [
          ['path', vectorFile.path, loadgenFiles.vectors],
          ['queries', vectorFile.queries, loadgenFiles.vectorQueries],
        ] as const) {
          if (given === undefined) continue;
          const path = resolve(given);
          if (!existsSync(path))
            throw permanent(
              'BadConfig',
              `workload.vector.file.${field}: ${path} does not exist on the worker`,
            );
          uploads[name] = path;
        }
      }
      // Their own partition/account/qos: load generators should not queue for GPU nodes.
      const placement = clientsPlacement(recipe);
      const job = await ctx.executorFor(recipe).submit({
        name,
        benchmarkId,
        tasks,
        script: renderClientsScript({
          jobName: name,
          clientCount: tasks,
          runtime,
          logShip: ship !== undefined,
        }),
        uploads,
        ...(ship ? { files: ship.files } : {}),
        ...(recipe.workload.clients.resources ? { resources: recipe.workload.clients.resources } : {}),
        ...(placement ? { placement } : {}),
      });
      Context.current().log.info('clients job submitted', { job: job.name, tasks });
      return job;
    },

    /**
     * Hands stage `stageIndex` to the clients and opens its start barrier: waits (heartbeating,
     * however long the allocation stays queued) until every client is ready or gone, then writes
     * the go with a common start a little ahead. Idempotent: a go already written is the answer.
     */
    async startStage({
      benchmarkId,
      recipe,
      job,
      stageIndex,
      serviceUrl,
    }: BenchInput & { job: JobRef; stageIndex: number; serviceUrl: string }): Promise<StageGo> {
      const activity = Context.current();
      const executor = ctx.executorFor(recipe);
      if (!recipe.workload.stages[stageIndex])
        throw permanent('BadConfig', `stage ${stageIndex} does not exist in recipe ${recipe.name}`);
      const written = await readGo(executor, job, stageIndex);
      if (written) return written;
      let config: ReturnType<typeof loadgenConfig>;
      try {
        config = loadgenConfig(benchmarkId, recipe, stageIndex, serviceUrl);
      } catch (err) {
        // A recipe that cannot make a config (a deployment of no vector kind and no engine) never will.
        throw permanent('BadConfig', (err as Error).message);
      }
      config = await withServicePassword(executor, benchmarkId, recipe, config);
      await executor.writeFile(job, loadgenFiles.stage(stageIndex), JSON.stringify(config, null, 2));
      const previous = activity.info.heartbeatDetails as
        | { waitingSinceMs?: number; firstReadyAtMs?: number | null }
        | undefined;
      const waitingSinceMs = previous?.waitingSinceMs ?? Date.now();
      let firstReadyAtMs = previous?.firstReadyAtMs ?? null;
      const ready = new Set<number>();
      for (;;) {
        const status = await executor.status(job);
        for (let index = 0; index < job.tasks; index++) {
          if (!ready.has(index) && (await exists(executor, job, loadgenFiles.ready(stageIndex, index))))
            ready.add(index);
        }
        if (ready.size > 0) firstReadyAtMs ??= Date.now();
        const decision = barrierDecision({
          clients: Array.from({ length: job.tasks }, (_, index) => {
            const task = status.tasks[index];
            const ended = task && TERMINAL_STATES.has(task.state) ? task.state : undefined;
            return { index, ready: ready.has(index), ...(ended ? { ended } : {}) };
          }),
          nowMs: Date.now(),
          firstReadyAtMs,
          waitingSinceMs,
          pending: status.state === 'PENDING',
          boundMs: startBoundMs(recipe),
          startDelayMs: startDelayMs(recipe),
        });
        if (decision.kind === 'go') {
          const { kind: _, ...go } = decision;
          const record: StageGo = stageIndex === 0 ? { ...go, queueWaitMs: Date.now() - waitingSinceMs } : go;
          await executor.writeFile(job, loadgenFiles.go(stageIndex), JSON.stringify(record));
          activity.log.info('stage starts', { stage: stageIndex, clients: go.clients, missing: go.missing });
          return record;
        }
        heartbeat({ waitingSinceMs, firstReadyAtMs, state: status.state, ready: ready.size });
        await activity.sleep(POLL_MS);
      }
    },

    /**
     * Whether every client of the stage has finished it (its result written, or its task ended),
     * and, when asked, whether its queueing grows without bound: the detector runs here, over
     * every client's progress snapshots, because only the worker sees all clients together.
     */
    async checkClients({
      job,
      recipe,
      stageIndex,
      clients,
      oversaturation,
    }: Parameters<BenchmarkActivities['checkClients']>[0]): Promise<ClientsCheck> {
      const executor = ctx.executorFor(recipe);
      const check = await stageEnded(executor, job, stageIndex, clients);
      if (check.ended || !oversaturation) return check;
      const verdict = await detectFromProgress(
        executor,
        job,
        recipe,
        stageIndex,
        clients,
        oversaturation.startAtMs,
      );
      return { ...check, ...(verdict ? { oversaturation: verdict } : {}) };
    },

    async releaseClients({ recipe, job }: BenchInput & { job: JobRef }): Promise<void> {
      await ctx.executorFor(recipe).writeFile(job, loadgenFiles.done, '');
    },

    /**
     * Collects the stage's results from the clients that ran it (stopping them first when asked,
     * or when they overrun), then writes `done` after the last stage. A stage that never got its
     * go is stopped before it starts and reports `notStarted`.
     */
    async finishClients({
      recipe,
      job,
      stageIndex,
      stopNow,
      last,
    }: BenchInput & {
      job: JobRef;
      stageIndex: number;
      stopNow: boolean;
      last: boolean;
    }): Promise<FinishedClients> {
      const activity = Context.current();
      const executor = ctx.executorFor(recipe);
      const stage = loadStageAt(recipe, stageIndex);
      // Written before the go is read: a barrier cancelled by a stop may still have written it.
      if (stopNow) await executor.writeFile(job, loadgenFiles.stop(stageIndex), '');
      const go = await readGo(executor, job, stageIndex);
      const tellDone = async () => {
        if (last) await executor.writeFile(job, loadgenFiles.done, '');
      };
      if (!go) {
        await tellDone();
        return { results: [], missing: [], notStarted: true, ...(stopNow ? { stoppedEarly: true } : {}) };
      }
      const previous = activity.info.heartbeatDetails as { deadlineMs?: number } | undefined;
      const deadlineMs =
        previous?.deadlineMs ??
        Math.max(Date.now(), go.startAtMs + stage.warmup + (stage.duration ?? 0)) +
          stage.cooldown +
          recipe.workload.requestTimeout +
          FINISH_SLACK_MS;
      const results = new Map<number, ClientResult>();
      const missing: FinishedClients['missing'] = [...go.missing];
      let pending = [...go.clients];
      let stopped = stopNow;
      while (pending.length > 0) {
        const status = await executor.status(job);
        const still: number[] = [];
        for (const index of pending) {
          const text = (
            await executor.readFile(job, loadgenFiles.result(stageIndex, index), 0, 64 << 20)
          ).data.toString();
          if (text) {
            try {
              results.set(index, JSON.parse(text) as ClientResult);
              continue;
            } catch {
              // written atomically: unparseable means corrupt, reported below as missing
            }
          }
          const task = status.tasks[index];
          if (text || (task && TERMINAL_STATES.has(task.state)) || TERMINAL_STATES.has(status.state)) {
            const exit =
              task?.exitCode !== undefined ? `exit status ${task.exitCode}` : (task?.state ?? status.state);
            missing.push({
              index,
              reason: `no result (${exit})${await outputTail(executor, job, index, 1500)}`,
            });
          } else still.push(index);
        }
        pending = still;
        if (pending.length === 0) break;
        heartbeat({ deadlineMs, state: status.state, waitingFor: pending });
        if (Date.now() >= deadlineMs + STOP_GRACE_MS) {
          activity.log.warn('clients ignored the stop; cancelling the clients job', { job: job.name });
          await executor.cancel(job);
        } else if (!stopped && Date.now() >= deadlineMs) {
          activity.log.warn('clients overran their stage; stopping them', { job: job.name });
          await executor.writeFile(job, loadgenFiles.stop(stageIndex), '');
          stopped = true;
        }
        await activity.sleep(POLL_MS);
      }
      if (recipe.workload.recordRequests) await copyRequestRecords(ctx, executor, job, stageIndex);
      await tellDone();
      missing.sort((a, b) => a.index - b.index);
      return {
        results: [...results.entries()].sort(([a], [b]) => a - b).map(([, r]) => r),
        missing,
        ...(stopNow ? { stoppedEarly: true } : {}),
      };
    },
  };
}

/** Each progress snapshot is ~0.7 kB: this much of a client's file covers the detector's window. */
const progressBytes = (windowMs: number) => Math.max(64 << 10, Math.ceil(windowMs / 1000) * 2048);

/** The over-saturation verdict over the clients' latest progress (torn first lines skipped). */
async function detectFromProgress(
  executor: Executor,
  job: JobRef,
  recipe: Recipe,
  stageIndex: number,
  clients: readonly number[],
  startAtMs: number,
): Promise<OversaturationVerdict> {
  const settings = oversaturationSettings(recipe.workload.oversaturation);
  const snapshots: ProgressSnapshot[] = [];
  for (const index of clients) {
    const text = await executor.tail(
      job,
      loadgenFiles.progress(stageIndex, index),
      progressBytes(settings.windowMs),
    );
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        snapshots.push(JSON.parse(line) as ProgressSnapshot);
      } catch {
        // a torn line at the tail's start or end
      }
    }
  }
  return detectOversaturation(samplesFromProgress(snapshots, startAtMs), settings);
}

/**
 * Gathers the clients' `requests-<k>-<i>.jsonl` into `data/results/<id>/stage-<k>-requests.jsonl`
 * (rewritten whole, so a retried attempt gives the same file); writeResults joins the stages.
 */
async function copyRequestRecords(ctx: ActivityContext, executor: Executor, job: JobRef, stageIndex: number) {
  const chunks: Buffer[] = [];
  for (let index = 0; index < job.tasks; index++) {
    const file = loadgenFiles.requests(stageIndex, index);
    for await (const { data, nextOffset } of readChunks(executor, job, file, 0, 16 << 20)) {
      chunks.push(data);
      heartbeat({ copying: file, offset: nextOffset });
    }
  }
  const dir = paths.results(ctx.config, job.benchmarkId);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, resultFiles.stageRequests(stageIndex)), Buffer.concat(chunks).toString());
}
