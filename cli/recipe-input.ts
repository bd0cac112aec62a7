/** Reads and validates a recipe file for a command; prints every problem and exits 2 when it is bad. */

import { RecipeFileError, readRecipeFile } from '../core/node/recipe-file';
import { withSiteTarget } from '../core/node/site-target';
import { formatIssues, parseRecipe, type RecipeIssue } from '../core/recipe';
import { EXIT, ExitCode } from './exit';

export function loadValidRecipe(file: string) {
  return loadValid(file, parseRecipe);
}

/** Reads `file` and validates it with `parse` (a benchmark or a deployment recipe). */
export async function loadValid<R>(
  file: string,
  parse: (input: unknown) => { ok: true; recipe: R } | { ok: false; issues: RecipeIssue[] },
): Promise<{ input: unknown; recipe: R }> {
  try {
    // The site's Slurm settings (AIFB_SLURM_*) fill what the recipe leaves out.
    const input = withSiteTarget(await readRecipeFile(file));
    const parsed = parse(input);
    if (!parsed.ok) {
      console.error(`${file}: ${formatIssues(parsed.issues)}`);
      throw new ExitCode(EXIT.badInput);
    }
    return { input, recipe: parsed.recipe };
  } catch (err) {
    if (err instanceof RecipeFileError) {
      console.error(err.message);
      throw new ExitCode(EXIT.badInput);
    }
    throw err;
  }
}
