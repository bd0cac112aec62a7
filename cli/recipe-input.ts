/** Reads and validates a recipe file for a command; prints every problem and exits 2 when it is bad. */

import { RecipeFileError, readRecipeFile } from '../core/node/recipe-file';
import { formatIssues, parseRecipe } from '../core/recipe';
import { EXIT, ExitCode } from './exit';

export async function loadValidRecipe(file: string) {
  try {
    const input = await readRecipeFile(file);
    const parsed = parseRecipe(input);
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
