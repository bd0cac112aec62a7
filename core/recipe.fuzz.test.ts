/**
 * Property-based fuzzing of the recipe parser (fast-check, fixed seed) over the inputs of
 * `test/fixtures/recipe-fuzz.ts`: mutated examples, random JSON at random paths, shell
 * metacharacters, huge numbers, deep nesting and random YAML text with anchors and aliases.
 * Whatever arrives, parsing answers a validation result (text: a RecipeFileError at worst).
 * Nothing here is timed: `npm run bench:recipe-parse` (`bench/recipe-parse.ts`) measures how long
 * the same inputs take, against its target of under 100 ms a call.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEED, TEXT_RUNS, textCases, VALUE_RUNS, valueCases } from '../test/fixtures/recipe-fuzz';
import { parseRecipeText, RecipeFileError, validateRecipeText } from './node/recipe-file';
import { parseRecipe } from './recipe';

function expectResult(result: ReturnType<typeof parseRecipe>): void {
  expect(typeof result.ok).toBe('boolean');
  if (!result.ok) {
    expect(result.issues.length).toBeGreaterThan(0);
    for (const issue of result.issues) {
      expect(typeof issue.path).toBe('string');
      expect(issue.message.length).toBeGreaterThan(0);
    }
  }
}

describe('recipe parser under fuzzing', () => {
  it('answers every generated recipe with a result', { timeout: 120_000 }, () => {
    let inputs = 0;
    let calls = 0;

    // Values, as the API's JSON bodies and the workflow's argument arrive.
    fc.assert(
      fc.property(valueCases, ({ input: value }) => {
        inputs++;
        calls++;
        expectResult(parseRecipe(value));
      }),
      { seed: SEED, numRuns: VALUE_RUNS },
    );

    // Text, as recipe files and YAML bodies arrive.
    fc.assert(
      fc.property(textCases, ({ input: text }) => {
        inputs++;
        let thrown: unknown;
        calls++;
        try {
          parseRecipeText(text);
        } catch (err) {
          thrown = err;
        }
        if (thrown !== undefined) expect(thrown).toBeInstanceOf(RecipeFileError);
        calls++;
        expectResult(validateRecipeText(text));
      }),
      { seed: SEED, numRuns: TEXT_RUNS },
    );

    console.log(`recipe fuzz: ${inputs} generated recipes, ${calls} parser calls (seed ${SEED})`);
    expect(inputs).toBeGreaterThanOrEqual(10_000);
  });
});
