/**
 * The workflows' recipe validation: a local activity (core/contract.ts RecipeCheckActivities),
 * so that no workflow evaluates zod and the recipe schemas in its sandbox. Its answer is a
 * marker in history: a replay reads the recipe the run started with.
 */
import { patched, proxyLocalActivities } from '@temporalio/workflow';
import type { RecipeCheckActivities } from '../core/contract';
import type { DeploymentParseResult } from '../core/deployment';
import type { ParseResult } from '../core/recipe';

const checks = proxyLocalActivities<RecipeCheckActivities>({
  // Pure CPU on the worker; a throw is a bug, retried a few times and then the run fails.
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3 },
});

/**
 * Workflows started before the local activity parsed their recipe in the sandbox, and replay
 * that way: the schema module is then evaluated on demand (webpack keeps it in the bundle, lazy).
 */
const RECIPE_CHECKED_OUTSIDE = 'recipe-checked-by-local-activity';

export async function checkedRecipe(input: unknown): Promise<ParseResult> {
  if (patched(RECIPE_CHECKED_OUTSIDE)) return checks.checkRecipe(input);
  const { parseRecipe } = await import(/* webpackMode: "eager" */ '../core/recipe');
  return parseRecipe(input);
}

export async function checkedDeploymentRecipe(input: unknown): Promise<DeploymentParseResult> {
  if (patched(RECIPE_CHECKED_OUTSIDE)) return checks.checkDeploymentRecipe(input);
  const { parseDeploymentRecipe } = await import(/* webpackMode: "eager" */ '../core/deployment');
  return parseDeploymentRecipe(input);
}
