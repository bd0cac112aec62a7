/**
 * Reading a parsed recipe: stage names, loads, rates, placement, and the issues of one that did
 * not parse. Kept apart from the schema (core/recipe.ts) so that the workflow bundle, which
 * evaluates its modules afresh for every workflow, never loads zod (README "Scale").
 */
import type { Target } from './deployment';
import type { JobRuntime } from './jobs';
import type { StageLoad } from './loadgen-protocol';
import type { Recipe, Service, SlurmPlacement, StagePlanSpec, StageSpec } from './recipe';

/** The name of the recipe's stage `index` (a sweep's or search's is the prefix of its stages). */
export function recipeStageName(s: { name?: string | undefined }, index: number): string {
  return s.name ?? `stage-${index}`;
}

/** The suffix a repetition adds to a stage's name (`c8-rep2`): none when nothing repeats. */
export function repetitionSuffix(repetition: number, count: number): string {
  return count > 1 ? `-rep${repetition}` : '';
}

/**
 * Whether a benchmark on target `a` can use a deployment on target `b`: the same cluster and
 * settings, except target.slurm.clients, which only places the benchmark's own client jobs.
 */
export function sameTarget(a: Target, b: Target): boolean {
  // maxRunning limits how many benchmarks run there, it does not make it another place.
  const key = ({ maxRunning: _, ...t }: Target) =>
    JSON.stringify(t.executor === 'slurm' ? { ...t, slurm: { ...t.slurm, clients: undefined } } : t);
  return key(a) === key(b);
}

/** Whether a recipe stage is one load (not a sweep or search). */
export function isLoadStage(s: StagePlanSpec): s is StageSpec {
  return s.mode !== 'sweep' && s.mode !== 'capacity-search';
}

/**
 * Stage `index` of a run's recipe, whose stages are all loads (the workflow hands activities
 * such a recipe: core/stage-plan.ts runRecipe). Throws for a sweep or search: a bug, not input.
 */
export function loadStageAt(recipe: Pick<Recipe, 'workload'>, index: number): StageSpec {
  const s = recipe.workload.stages[index];
  if (!s)
    throw new RangeError(`stage ${index} does not exist (the run has ${recipe.workload.stages.length})`);
  if (!isLoadStage(s)) throw new TypeError(`stage ${index} is a ${s.mode}, not a load: expand it first`);
  return s;
}
export interface RecipeIssue {
  /** Dotted path into the recipe, e.g. `workload.stages.0.duration`; empty for the root. */
  path: string;
  message: string;
}

export function formatIssues(issues: RecipeIssue[]): string {
  const lines = issues.map((i) => `  - ${i.path || '(recipe)'}: ${i.message}`);
  return `recipe is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

/**
 * Stage display name, stable across the run (used in job names, files and metrics labels). In a
 * run's recipe (core/stage-plan.ts) every stage carries its name.
 */
export function stageName(recipe: Pick<Recipe, 'workload'>, index: number): string {
  return recipe.workload.stages[index]?.name ?? `stage-${index}`;
}

/** The model name requests carry. */
export function modelName(recipe: { service: Service }): string {
  const s = recipe.service;
  // A vector database or PostgreSQL serves collections or tables, not a model. (Not `'model' in
  // s`: an optional model that was never given is absent after a JSON round trip.)
  if (s.kind === 'chroma' || s.kind === 'qdrant' || s.kind === 'postgres') return '-';
  return s.model ?? (s.kind === 'simulator' ? 'aifb-sim' : 'default');
}

/** How the recipe's jobs run loadgen and the simulator; local jobs use the worker's own node. */
export function jobRuntime(recipe: Pick<Recipe, 'target'>): JobRuntime {
  return recipe.target.executor === 'slurm' ? recipe.target.slurm.runtime : 'node';
}

/**
 * The client jobs' placement: target.slurm.clients, each field not given there the service's
 * (target.slurm's). Undefined off Slurm.
 */
export function clientsPlacement(recipe: Pick<Recipe, 'target'>): SlurmPlacement | undefined {
  if (recipe.target.executor !== 'slurm') return undefined;
  const { clients = {}, ...service } = recipe.target.slurm;
  const placement: SlurmPlacement = {};
  for (const key of ['account', 'partition', 'qos'] as const) {
    const value = clients[key] ?? service[key];
    if (value) placement[key] = value;
  }
  return placement;
}

/** What a stage asks of the load generator, for all clients together. */
export function stageLoad(stage: StageSpec): StageLoad {
  switch (stage.mode) {
    case 'synchronous':
      return { mode: 'synchronous' };
    case 'concurrency':
      return { mode: 'concurrency', concurrency: stage.concurrency };
    case 'throughput':
      return { mode: 'throughput', maxConcurrency: stage.maxConcurrency };
    default: {
      const cap = stage.maxConcurrency !== undefined ? { maxConcurrency: stage.maxConcurrency } : {};
      switch (stage.mode) {
        case 'gamma':
          return { mode: 'gamma', rate: stage.rate, burstiness: stage.burstiness, ...cap };
        case 'bursts':
          return { mode: 'bursts', burstSize: stage.burstSize, periodMs: stage.every, ...cap };
        case 'ramp':
          return { mode: 'ramp', fromRate: stage.from, toRate: stage.to, ...cap };
        case 'trace':
          return { mode: 'trace', speed: stage.speed, ...cap };
        default:
          return { mode: stage.mode, rate: stage.rate, ...cap };
      }
    }
  }
}

/**
 * The rate an open-loop stage asks for, all clients together (req/s): its process's mean.
 * Null for closed loops, and for a ramp or a trace, whose rate over the measured window is
 * their schedule's (the summary takes it from the clients' scheduled counts).
 */
export function requestedRate(stage: StageSpec): number | null {
  switch (stage.mode) {
    case 'constant':
    case 'poisson':
    case 'gamma':
      return stage.rate;
    case 'bursts':
      return (stage.burstSize * 1000) / stage.every;
    default:
      return null;
  }
}

/** The stage's in-flight limit (concurrency, or the cap); null for an uncapped open loop. */
export function stageConcurrency(stage: StageSpec): number | null {
  if (stage.mode === 'synchronous') return 1;
  if (stage.mode === 'concurrency') return stage.concurrency;
  return stage.maxConcurrency ?? null;
}
