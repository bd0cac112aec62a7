/**
 * Deployments: a service that outlives a benchmark (a vLLM start takes minutes), started once
 * and named by many benchmarks (`service: { deployment: NAME }`). Its recipe is a benchmark
 * recipe without a workload. Pure: the deployment workflow imports it.
 */
import { z } from 'zod';
import { durationMs } from './duration';
import {
  type Recipe,
  type RecipeIssue,
  recipeIssues,
  recipeName,
  type Service,
  service,
  target,
} from './recipe';

export const DEFAULT_TTL_MS = 8 * 3_600_000;
export const DEFAULT_CHECK_INTERVAL_MS = 30_000;

/** Every deployment's workflow id is `deploy-<name>`: one running deployment per name. */
export const DEPLOYMENT_ID_PREFIX = 'deploy-';
export const deploymentWorkflowId = (name: string) => `${DEPLOYMENT_ID_PREFIX}${name}`;

const settings = z.strictObject({
  /** Torn down this long after it started, unless `aifb deploy down` comes first. */
  ttl: durationMs.refine((ms) => ms >= 60_000, 'at least 1m').default(DEFAULT_TTL_MS),
  /** How often the workflow asks the executor whether the service job still runs. */
  checkInterval: durationMs.refine((ms) => ms >= 1000, 'at least 1s').default(DEFAULT_CHECK_INTERVAL_MS),
});

export const deploymentRecipeSchema = z.strictObject({
  name: recipeName,
  description: z.string().max(2000).optional(),
  target: target.default({ executor: 'local' }),
  // An external service is already running elsewhere: there is nothing to deploy.
  service: service.refine((s) => s.kind !== 'external', {
    message: 'an external service runs already: benchmark it directly (kind: external), no deployment needed',
    path: ['kind'],
  }),
  deployment: settings.default({ ttl: DEFAULT_TTL_MS, checkInterval: DEFAULT_CHECK_INTERVAL_MS }),
});

export type DeploymentRecipeInput = z.input<typeof deploymentRecipeSchema>;
export type DeploymentRecipe = z.output<typeof deploymentRecipeSchema>;
export type Target = DeploymentRecipe['target'];

export type DeploymentParseResult =
  | { ok: true; recipe: DeploymentRecipe }
  | { ok: false; issues: RecipeIssue[] };

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

export function parseDeploymentRecipe(input: unknown): DeploymentParseResult {
  const result = deploymentRecipeSchema.safeParse(input);
  return result.success
    ? { ok: true, recipe: result.data }
    : { ok: false, issues: recipeIssues(result.error) };
}

/** A benchmark recipe whose service is one it deploys, or the one its deployment serves. */
export type ServedRecipe = Omit<Recipe, 'service'> & { service: Service };

/**
 * The recipe with a concrete service. A benchmark naming a deployment gets one from the
 * deployment when it attaches; an activity that sees the name alone was called too early (a bug).
 */
export function servedRecipe(recipe: Recipe): ServedRecipe {
  const s = recipe.service;
  if (s.kind === 'deployment') {
    throw new Error(`recipe ${recipe.name} names deployment ${s.deployment}: resolve it (attach) first`);
  }
  return { ...recipe, service: s };
}
