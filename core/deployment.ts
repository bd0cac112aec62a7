/**
 * Deployments: a service that outlives a benchmark (a vLLM start takes minutes), started once
 * and named by many benchmarks (`service: { deployment: NAME }`). Its recipe is a benchmark
 * recipe without a workload. Pure; the deployment workflow has it checked by a local activity.
 */
import { z } from 'zod';
import { durationMs } from './duration';
import { type Recipe, recipeIssues, recipeName, type Service, service, target } from './recipe';
import type { RecipeIssue } from './recipe-read';

export const DEFAULT_TTL_MS = 8 * 3_600_000;
export const DEFAULT_CHECK_INTERVAL_MS = 30_000;

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
