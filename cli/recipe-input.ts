/** Reads and validates a recipe file for a command; prints every problem and exits 2 when it is bad. */

import { RecipeFileError, readRecipeFile } from '../core/node/recipe-file';
import { withSiteTarget } from '../core/node/site-target';
import { parseRecipe } from '../core/recipe';
import { formatIssues, type RecipeIssue } from '../core/recipe-read';
import { mergeReferences } from '../core/references';
import { loadRefs } from './compare-input';
import { EXIT, ExitCode } from './exit';

/**
 * Reads and validates a recipe; with `refsFile`, its references are added to the recipe's own
 * (the recipe's win per stage and figure), so the run judges itself against them.
 */
export async function loadValidRecipe(file: string, refsFile?: string) {
  const loaded = await loadValid(file, parseRecipe);
  if (!refsFile) return loaded;
  const refs = await loadRefs(refsFile);
  const input = {
    ...(loaded.input as object),
    references: mergeReferences((loaded.input as { references?: unknown }).references, refs),
  };
  const parsed = parseRecipe(input);
  if (!parsed.ok) {
    console.error(`${file} with ${refsFile}: ${formatIssues(parsed.issues)}`);
    throw new ExitCode(EXIT.badInput);
  }
  return { input, recipe: parsed.recipe };
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
