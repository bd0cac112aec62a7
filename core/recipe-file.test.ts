/** Unparseable recipe text is bad input with a readable reason, never an exception of another kind. */
import { describe, expect, it } from 'vitest';
import { ALIAS_BOMB } from '../test/fixtures/hostile';
import { MAX_RECIPE_BYTES, parseRecipeText, RecipeFileError, validateRecipeText } from './node/recipe-file';

function refusal(text: string): RecipeFileError {
  try {
    parseRecipeText(text);
  } catch (err) {
    expect(err).toBeInstanceOf(RecipeFileError);
    const e = err as RecipeFileError;
    expect(e.issues.length).toBeGreaterThan(0);
    expect(e.message).toMatch(/^recipe /);
    return e;
  }
  throw new Error(`accepted: ${text.slice(0, 80)}`);
}

describe('parseRecipeText on hostile text', () => {
  it('refuses an alias bomb as a recipe error, saying why', () => {
    expect(refusal(ALIAS_BOMB).message).toMatch(/alias/i);
  });

  it('refuses an alias to an anchor that does not exist', () => {
    expect(refusal('a: *nope\n').message).toMatch(/alias/i);
  });

  it('refuses deep nesting quickly, saying how deep is allowed', () => {
    for (const text of [
      '['.repeat(10_000) + ']'.repeat(10_000),
      `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
      `${'- '.repeat(5000)}x`,
      Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
    ]) {
      const started = performance.now();
      expect(refusal(text).message).toMatch(/nest/);
      expect(performance.now() - started).toBeLessThan(200);
    }
  });

  it('refuses a text larger than any recipe before parsing it', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`).join('\n');
    expect(keys.length).toBeGreaterThan(MAX_RECIPE_BYTES);
    const started = performance.now();
    expect(refusal(keys).message).toMatch(/larger than/);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('still finds duplicate keys, with line and column, in linear time', () => {
    expect(refusal('name: a\nname: b\n').message).toMatch(/line 2, column 1.*unique|unique.*line 2/);
    const many = `${Array.from({ length: 5000 }, (_, i) => `k${i}: 1`).join('\n')}\nk0: 2\n`;
    const started = performance.now();
    expect(refusal(many).message).toMatch(/k0/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps ordinary YAML and JSON working, brackets inside quotes included', () => {
    expect(parseRecipeText('a: [1, 2]\nb: "[[[["\nc: { d: x }\n')).toEqual({
      a: [1, 2],
      b: '[[[[',
      c: { d: 'x' },
    });
    expect(parseRecipeText('{"a": {"b": [1]}}')).toEqual({ a: { b: [1] } });
  });

  it('validateRecipeText never throws: it answers issues', async () => {
    const bomb = validateRecipeText(ALIAS_BOMB);
    expect(bomb.ok).toBe(false);
    expect(!bomb.ok && bomb.issues[0]?.message).toMatch(/alias/i);
    expect(validateRecipeText('name: [').ok).toBe(false);
  });
});
