/**
 * The workflows' recipe validation (core/contract.ts RecipeCheckActivities): zod runs here, in
 * the worker's own module graph, loaded once, not in each workflow's sandbox.
 */
import type { RecipeCheckActivities } from '../core/contract';
import { parseDeploymentRecipe } from '../core/deployment';
import { parseRecipe } from '../core/recipe';

export function recipeCheckActivities(): RecipeCheckActivities {
  return {
    checkRecipe: async (input) => parseRecipe(input),
    checkDeploymentRecipe: async (input) => parseDeploymentRecipe(input),
  };
}
