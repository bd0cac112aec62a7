/** What `aifb compare` reads: runs by id (through the control) or summary.json files, and refs files. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { BenchmarkControl } from '../control/types';
import { parseRecipeText, RecipeFileError } from '../core/node/recipe-file';
import { type References, referencesSchema } from '../core/references';
import type { BenchmarkSummary } from '../core/summary';
import { EXIT, ExitCode } from './exit';

/** A path rather than a benchmark id: it names a file (ids have no `/` or `.json`). */
export const isFileArg = (arg: string) => arg.includes('/') || arg.endsWith('.json') || existsSync(arg);

function bad(message: string): never {
  console.error(message);
  throw new ExitCode(EXIT.badInput);
}

/** A run by id (API or Temporal) or a summary.json on disk (CI keeps them as artefacts). */
export async function loadRun(
  arg: string,
  control: () => Promise<BenchmarkControl>,
): Promise<BenchmarkSummary> {
  if (!isFileArg(arg)) return (await control()).results(arg);
  const text = await readFile(arg, 'utf8').catch((err: NodeJS.ErrnoException) =>
    bad(`${arg}: cannot read: ${err.code === 'ENOENT' ? 'no such file' : err.message}`),
  );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    bad(`${arg}: not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const s = value as Partial<BenchmarkSummary>;
  if (typeof s?.schema !== 'string' || !s.schema.startsWith('aifb.summary/') || !Array.isArray(s.stages)) {
    bad(`${arg}: not an aifb summary.json (no "schema": "aifb.summary/..." with "stages")`);
  }
  return s as BenchmarkSummary;
}

/**
 * A refs file: YAML or JSON, the shape of a recipe's `references` (a recipe with `references`
 * works too). Every problem is printed with its path; exit 2.
 */
export async function loadRefs(file: string): Promise<References> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) =>
    bad(`${file}: cannot read: ${err.code === 'ENOENT' ? 'no such file' : err.message}`),
  );
  let value: unknown;
  try {
    value = parseRecipeText(text);
  } catch (err) {
    bad(err instanceof RecipeFileError ? `${file}: ${err.message}` : String(err));
  }
  const inRecipe = value && typeof value === 'object' && 'references' in value;
  const refs = inRecipe ? (value as { references: unknown }).references : value;
  const parsed = referencesSchema.safeParse(refs);
  if (!parsed.success) {
    const prefix = inRecipe ? 'references.' : '';
    bad(
      `${file}: references are invalid:\n${parsed.error.issues
        .map((i) => `  - ${prefix}${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
        .join('\n')}`,
    );
  }
  return parsed.data;
}
