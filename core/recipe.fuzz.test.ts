/**
 * Property-based fuzzing of the recipe parser (fast-check, fixed seed) over the inputs of
 * `test/fixtures/recipe-fuzz.ts`: mutated examples, random JSON at random paths, shell
 * metacharacters, huge numbers, deep nesting and random YAML text with anchors and aliases.
 * Whatever arrives, parsing answers a validation result (text: a RecipeFileError at worst) and
 * never takes more than 100 ms for one input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exampleTexts,
  SEED,
  stringifySafe,
  TEXT_RUNS,
  textCases,
  VALUE_RUNS,
  valueCases,
} from '../test/fixtures/recipe-fuzz';
import { parseRecipeText, RecipeFileError, validateRecipeText } from './node/recipe-file';
import { parseRecipe } from './recipe';

const MAX_CASE_MS = 100;

interface Tally {
  cases: number;
  /** The slowest first run, retries aside (reported, not asserted). */
  maxFirstMs: number;
  maxMs: number;
  slowest: string;
}

/**
 * Runs one case and records its time. A case over the bound is timed twice more and keeps its
 * fastest run: on shared CI cores a GC pause or a preempted thread is not the parser's cost,
 * while a really slow input is slow every time.
 */
function timed<T>(tally: Tally, what: () => string, run: () => T): T {
  let started = performance.now();
  const result = run();
  let ms = performance.now() - started;
  tally.cases++;
  tally.maxFirstMs = Math.max(tally.maxFirstMs, ms);
  for (let retry = 0; retry < 2 && ms >= MAX_CASE_MS; retry++) {
    started = performance.now();
    run();
    ms = Math.min(ms, performance.now() - started);
  }
  if (ms > tally.maxMs) {
    tally.maxMs = ms;
    tally.slowest = what().slice(0, 200);
  }
  return result;
}

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
  it('answers every generated recipe with a result, within 100 ms each', { timeout: 120_000 }, () => {
    // Warm the JIT first: the first call of a cold function is not the parser's cost.
    for (const t of exampleTexts) validateRecipeText(t);
    const tally: Tally = { cases: 0, maxFirstMs: 0, maxMs: 0, slowest: '' };
    let inputs = 0;
    const started = performance.now();

    // Values, as the API's JSON bodies and the workflow's argument arrive.
    fc.assert(
      fc.property(valueCases, ({ input: value }) => {
        inputs++;
        expectResult(
          timed(
            tally,
            () => stringifySafe(value),
            () => parseRecipe(value),
          ),
        );
      }),
      { seed: SEED, numRuns: VALUE_RUNS },
    );

    // Text, as recipe files and YAML bodies arrive.
    fc.assert(
      fc.property(textCases, ({ input: text }) => {
        inputs++;
        let thrown: unknown;
        timed(
          tally,
          () => JSON.stringify(text),
          () => {
            try {
              parseRecipeText(text);
            } catch (err) {
              thrown = err;
            }
          },
        );
        if (thrown !== undefined) expect(thrown).toBeInstanceOf(RecipeFileError);
        expectResult(
          timed(
            tally,
            () => JSON.stringify(text),
            () => validateRecipeText(text),
          ),
        );
      }),
      { seed: SEED, numRuns: TEXT_RUNS },
    );

    const totalS = (performance.now() - started) / 1000;
    console.log(
      `recipe fuzz: ${inputs} generated recipes, ${tally.cases} parser calls (seed ${SEED}) in ${totalS.toFixed(1)} s; slowest ${tally.maxMs.toFixed(1)} ms (first runs: ${tally.maxFirstMs.toFixed(1)} ms): ${tally.slowest}`,
    );
    expect(inputs).toBeGreaterThanOrEqual(10_000);
    expect(tally.maxMs).toBeLessThan(MAX_CASE_MS);
  });
});
