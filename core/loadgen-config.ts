/**
 * What a stage's client jobs are told to do: the recipe's stage as the load generator's config
 * (loadgen-config.json). Pure; the startClients activity writes it into the job folder.
 */
import { servedRecipe } from './deployment';
import { clientComponentPrefix, loadgenFiles } from './jobs';
import type { DatasetSpec, LoadgenConfig, PromptCachePolicy } from './loadgen-protocol';
import type { Recipe } from './recipe';
import { loadStageAt, modelName, stageLoad, stageName } from './recipe-read';
import { vectorEngine, vectorWorkloadSettings } from './recipe-vector';
import {
  commandWorkloadSettings,
  embeddingsWorkloadSettings,
  httpWorkloadSettings,
  sqlWorkloadSettings,
} from './recipe-workloads';

export function loadgenConfig(
  benchmarkId: string,
  recipe: Recipe,
  stageIndex: number,
  /** The service's base URL as clients reach it (HealthyEndpoint.url). */
  baseUrl: string,
): LoadgenConfig {
  const stage = loadStageAt(recipe, stageIndex);
  const { slo, dataset } = recipe.workload;
  return {
    version: 2,
    benchmarkId,
    stageIndex,
    stageName: stageName(recipe, stageIndex),
    baseUrl,
    api: recipe.workload.kind,
    ...workloadPart(recipe),
    model: modelName(servedRecipe(recipe)),
    clientCount: recipe.workload.clients.count,
    load: stageLoad(stage),
    timing: {
      warmupMs: stage.warmup,
      cooldownMs: stage.cooldown,
      ...(stage.duration !== undefined ? { durationMs: stage.duration } : {}),
      ...(stage.maxRequests !== undefined ? { maxRequests: stage.maxRequests } : {}),
    },
    dataset: {
      ...promptsPart(dataset),
      ...(dataset.sessions
        ? {
            sessions: {
              turns: dataset.sessions.turns,
              ...(dataset.sessions.thinkTime ? { thinkTimeMs: dataset.sessions.thinkTime } : {}),
            },
          }
        : {}),
      ...(dataset.sharedPrefix
        ? { sharedPrefix: { groups: dataset.sharedPrefix.groups, words: dataset.sharedPrefix.tokens } }
        : {}),
      seed: dataset.seed,
      exactOutputLength: dataset.exactOutputLength,
    },
    requestTimeoutMs: recipe.workload.requestTimeout,
    ...(recipe.workload.temperature !== undefined ? { temperature: recipe.workload.temperature } : {}),
    ...(recipe.workload.extraBody ? { extraBody: recipe.workload.extraBody } : {}),
    ...(recipe.workload.apiKeyEnv ? { apiKeyEnv: recipe.workload.apiKeyEnv } : {}),
    promptCache: promptCachePolicy(recipe),
    ...(recipe.telemetry.directPushUrl
      ? {
          directPush: {
            url: recipe.telemetry.directPushUrl,
            // The relay's component names, so Grafana sees one series set either way.
            componentPrefix: clientComponentPrefix(stageIndex),
            recipe: recipe.name,
          },
        }
      : {}),
    ...(recipe.workload.recordRequests ? { recordRequests: true } : {}),
    ...(recipe.workload.clients.busyPoll ? { busyPoll: true } : {}),
    ...(slo ? { slo: { ttftMs: slo.ttft, tpotMs: slo.tpot, itlMs: slo.itl, e2eMs: slo.e2e } } : {}),
    progressIntervalMs: 1000,
  };
}

/** Where the prompts come from: a trace or a prompt file (uploaded to the job folder), or synthetic. */
function promptsPart(
  dataset: Recipe['workload']['dataset'],
): Pick<DatasetSpec, 'synthetic' | 'file' | 'trace'> {
  if (dataset.trace)
    return {
      trace: { format: dataset.trace.format, file: loadgenFiles.trace, blockSize: dataset.trace.blockSize },
    };
  if (dataset.file)
    return {
      file: {
        format: dataset.file.format,
        file: loadgenFiles.dataset,
        ...(dataset.file.outputTokens ? { outputTokens: dataset.file.outputTokens } : {}),
      },
    };
  return { synthetic: dataset.synthetic! };
}

/** The settings of a non-LLM workload kind, from its recipe block. */
function workloadPart(recipe: Recipe): Pick<LoadgenConfig, 'workload'> {
  const w = recipe.workload;
  if (w.kind === 'http' && w.http) return { workload: httpWorkloadSettings(w.http) };
  if (w.kind === 'openai-embeddings' && w.embeddings)
    return { workload: embeddingsWorkloadSettings(w.embeddings) };
  if (w.kind === 'command' && w.command) return { workload: commandWorkloadSettings(w.command) };
  if (w.kind === 'sql' && w.sql) return { workload: sqlWorkloadSettings(w.sql, w.clients.count) };
  if (w.kind === 'vector-search' && w.vector) {
    const kind = servedRecipe(recipe).service.kind;
    const engine = vectorEngine(w.vector, kind);
    if (!engine)
      throw new Error(
        `workload.vector.engine: service kind ${kind} is not a vector database: say which API it speaks`,
      );
    return {
      workload: vectorWorkloadSettings(w.vector, engine, {
        vectors: loadgenFiles.vectors,
        queries: loadgenFiles.vectorQueries,
      }),
    };
  }
  return {};
}

/**
 * How to defeat the server's prompt cache when the recipe asks (`workload.promptCache: false`):
 * llama.cpp has a per-request switch; elsewhere a unique prefix is the only portable way.
 */
export function promptCachePolicy(recipe: Recipe): PromptCachePolicy {
  if (recipe.workload.promptCache !== false) return { mode: 'allow' };
  return recipe.service.kind === 'llamacpp' ? { mode: 'cache_prompt_false' } : { mode: 'unique_prefix' };
}
