/**
 * Property-based fuzzing of the recipe parser (fast-check, fixed seed): mutated examples,
 * random JSON at random paths, shell metacharacters, huge numbers, deep nesting and random
 * YAML text with anchors and aliases. Whatever arrives, parsing answers a validation result
 * (text: a RecipeFileError at worst) and never takes more than 100 ms for one input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseRecipeText, RecipeFileError, validateRecipeText } from './node/recipe-file';
import { parseRecipe } from './recipe';

const SEED = 20_261_129;
const MAX_CASE_MS = 100;
const examplesDir = join(import.meta.dirname, '..', 'examples');
const exampleTexts = readdirSync(examplesDir)
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .map((f) => readFileSync(join(examplesDir, f), 'utf8'));
const examples = exampleTexts.map((t) => parseRecipeText(t));

type Path = (string | number)[];

/** Paths into a JSON value (objects and arrays), the root included, down to `maxDepth`. */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = [], maxDepth = 12): Path[] {
  out.push(prefix);
  if (prefix.length >= maxDepth || value === null || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value)) {
    pathsOf(v, [...prefix, Array.isArray(value) ? Number(k) : k], out, maxDepth);
  }
  return out;
}

/** An own property, as JSON.parse makes `__proto__`. */
function define(node: object, key: string | number, value: unknown): void {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}

/** One level copied (own keys, `__proto__` included); a scalar becomes an empty object. */
function shallowCopy(value: unknown): Record<string | number, unknown> {
  if (Array.isArray(value)) return [...value] as unknown as Record<number, unknown>;
  const copy: Record<string, unknown> = {};
  if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) define(copy, k, v);
  return copy;
}

/** A copy with `path` set or deleted, copying only along the path (the examples stay intact). */
function edit(value: unknown, path: Path, change: { set: unknown } | 'delete'): unknown {
  if (path.length === 0) return change === 'delete' ? undefined : change.set;
  const [head, ...rest] = path as [string | number, ...Path];
  const node = shallowCopy(value);
  if (rest.length === 0 && change === 'delete') delete node[head];
  else
    define(
      node,
      head,
      rest.length === 0 && change !== 'delete' ? change.set : edit(node[head], rest, change),
    );
  return node;
}

const SHELL = [
  '$(rm -rf /)',
  '`id`',
  '; ls',
  '| cat /etc/passwd',
  '&& reboot',
  "'",
  '"',
  '\\',
  '\n',
  '\r\n',
  '\0',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, meant literally
  '${IFS}',
  '$HOME',
  '*',
  '~root',
  '../../../etc/passwd',
  '%s%n',
  '{port}',
  '\u202e',
  '\ud800',
  '🦄',
];
const shellString = fc
  .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...SHELL), fc.string({ maxLength: 8 }))
  .map(([a, b, c]) => a + b + c);
const hugeNumber = fc.oneof(
  fc.constantFrom(
    1e308,
    -1e308,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    Number.MAX_SAFE_INTEGER + 2,
    2 ** 31,
    2 ** 31 - 1,
    2 ** 32,
    -(2 ** 31),
    -0,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
    1e-320,
  ),
  fc.double(),
  fc.integer(),
  fc.bigInt().map((b) => Number(b)),
);
const durationText = fc
  .tuple(
    fc.oneof(fc.nat(), hugeNumber.map(String), fc.constantFrom('1e400', '0x10', '-1', '.5', '1.')),
    fc.constantFrom('ms', 's', 'm', 'h', 'd', '', ' s'),
  )
  .map(([n, u]) => `${n}${u}`);

/** Nested arrays or objects, built without recursion (deeper than any stack would allow otherwise). */
const deep = fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean()).map(([depth, objects]) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = objects ? { a: v } : [v];
  return v;
});

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  shellString,
  hugeNumber,
  durationText,
  deep,
  fc.constantFrom(null, undefined, true, false, '', [], {}, new Date(0), new Map(), Symbol.for('x'), () => 1),
  fc.string({ maxLength: 5000 }),
);

const KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'name',
  'kind',
  'mode',
  'duration',
  'extraBody',
  'x',
  '',
];
const mutatedExample = fc
  .tuple(
    fc.nat(),
    fc.array(fc.tuple(fc.nat(), fc.nat(3), anyValue, fc.constantFrom(...KEYS)), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([which, edits]) => {
    let value: unknown = examples[which % examples.length];
    for (const [at, op, replacement, key] of edits) {
      const paths = pathsOf(value);
      const path = paths[at % paths.length] ?? [];
      if (op === 0) value = edit(value, path, { set: replacement });
      else if (op === 1 && path.length > 0) value = edit(value, path, 'delete');
      else if (op === 2) value = edit(value, [...path, key], { set: replacement });
      else value = edit(value, path, { set: examples[at % examples.length] });
    }
    return value;
  });

const TOKENS = [
  '&a ',
  '*a',
  '&b ',
  '*b',
  '[',
  ']',
  '{',
  '}',
  ': ',
  '- ',
  '\n',
  '  ',
  '#',
  '"',
  "'",
  '!!binary ',
  '!foo ',
  '!!set ',
  '<<: *a',
  '---\n',
  '? ',
  '|',
  '>',
  '\t',
  '%YAML 1.2\n',
  '\0',
  '\ufeff',
  ',',
  '...\n',
];
const editedText = fc
  .tuple(
    fc.oneof(
      mutatedExample.map((v) => stringifySafe(v)),
      fc.constantFrom(...exampleTexts),
    ),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...TOKENS), fc.nat(20)), { maxLength: 8 }),
  )
  .map(([text, edits]) => {
    let t = text;
    for (const [at, token, cut] of edits) {
      const i = at % (t.length + 1);
      t = t.slice(0, i) + token + t.slice(i + cut);
    }
    return t;
  });

function stringifySafe(value: unknown): string {
  try {
    return stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

/** Layered anchors: width^depth nodes if expanded ("billion laughs"), in a few hundred bytes. */
const aliasBomb = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 9 }))
  .map(([width, depth]) => {
    const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(',')}]`];
    for (let d = 1; d < depth; d++)
      lines.push(
        `l${d}: &l${d} [${Array(width)
          .fill(`*l${d - 1}`)
          .join(',')}]`,
      );
    lines.push(
      `name: bomb\nservice: {kind: simulator}\nworkload: {kind: openai-chat, stages: *l${depth - 1}}`,
    );
    return lines.join('\n');
  });

const deepText = fc
  .tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('[', '{"a":', '- ', 'staircase'))
  .map(([n, kind]) => {
    if (kind === 'staircase')
      return Array.from({ length: Math.min(n, 400) }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
    if (kind === '- ') return `${'- '.repeat(n)}x`;
    return kind.repeat(n);
  });

const yamlish = fc.string({
  unit: fc.constantFrom(...'abc:-[]{}&*!|>#"\' \n\t,?%@`0123456789.'.split('')),
  maxLength: 400,
});

const anyText = fc.oneof(
  editedText,
  aliasBomb,
  deepText,
  yamlish,
  fc.string({ maxLength: 2000 }),
  fc.string({ unit: 'binary', maxLength: 500 }),
);

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
      fc.property(fc.oneof(mutatedExample, anyValue), (value) => {
        inputs++;
        expectResult(
          timed(
            tally,
            () => stringifySafe(value),
            () => parseRecipe(value),
          ),
        );
      }),
      { seed: SEED, numRuns: 6000 },
    );

    // Text, as recipe files and YAML bodies arrive.
    fc.assert(
      fc.property(anyText, (text) => {
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
      { seed: SEED, numRuns: 4500 },
    );

    const totalS = (performance.now() - started) / 1000;
    console.log(
      `recipe fuzz: ${inputs} generated recipes, ${tally.cases} parser calls (seed ${SEED}) in ${totalS.toFixed(1)} s; slowest ${tally.maxMs.toFixed(1)} ms (first runs: ${tally.maxFirstMs.toFixed(1)} ms): ${tally.slowest}`,
    );
    expect(inputs).toBeGreaterThanOrEqual(10_000);
    expect(tally.maxMs).toBeLessThan(MAX_CASE_MS);
  });
});
