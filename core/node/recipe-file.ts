import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { RecipeIssue } from '../recipe';

export class RecipeFileError extends Error {
  constructor(
    message: string,
    readonly issues: RecipeIssue[],
  ) {
    super(message);
  }
}

/** Parses recipe text (YAML is a superset of JSON, so both work) into a plain value. */
export function parseRecipeText(text: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
      const first = err.message.split('\n')[0] ?? err.message;
      throw new RecipeFileError(`recipe is not valid YAML/JSON at ${where}: ${first}`, [
        { path: '', message: `YAML syntax error at ${where}: ${first}` },
      ]);
    }
    throw err;
  }
}

export async function readRecipeFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(err);
    throw new RecipeFileError(`cannot read recipe ${path}: ${reason}`, [{ path: '', message: reason }]);
  }
  return parseRecipeText(text);
}
