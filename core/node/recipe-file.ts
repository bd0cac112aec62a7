import { readFile } from 'node:fs/promises';
import { CST, isNode, isScalar, Lexer, LineCounter, parseDocument, visit, YAMLParseError } from 'yaml';
import { type ParseResult, parseRecipe } from '../recipe';
import type { RecipeIssue } from '../recipe-read';

export class RecipeFileError extends Error {
  constructor(
    message: string,
    readonly issues: RecipeIssue[],
  ) {
    super(message);
  }
}

/**
 * Real recipes are a few KB and nest under 10 levels. The YAML parser's cost grows fast with
 * size and nesting (its composer recurses; its own unique-key check is quadratic), so these
 * are checked first, on the lexer's tokens (linear, no recursion), and over them the text is
 * refused: every recipe then parses in milliseconds.
 */
export const MAX_RECIPE_BYTES = 64 * 1024;
/** Flow collections ([ ], { }) inside each other. */
export const MAX_FLOW_DEPTH = 64;
/** The column where a line's content starts (indentation and `- `, `? `, `: ` indicators). */
export const MAX_INDENT_COLUMN = 256;
/** Alias uses expanded per document: a few anchors are normal; a "billion laughs" is not. */
const MAX_ALIAS_COUNT = 100;

function refuse(reason: string, where?: string): never {
  const at = where ? ` at ${where}` : '';
  throw new RecipeFileError(`recipe is not valid YAML/JSON${at}: ${reason}`, [
    { path: '', message: `${where ? `YAML syntax error at ${where}: ` : ''}${reason}` },
  ]);
}

/** Refuses text too large or too deeply nested before the parser sees it. */
function checkShape(text: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_RECIPE_BYTES) {
    refuse(`recipe text is larger than ${MAX_RECIPE_BYTES} bytes (${bytes}); recipes are a few KB`);
  }
  let line = 1;
  let flow = 0;
  let column = 0;
  let lineStart = true;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'doc-mode' || type === 'byte-order-mark') continue;
    if (type === 'newline') {
      line++;
      column = 0;
      lineStart = true;
      continue;
    }
    if (lineStart) {
      if (
        type === 'space' ||
        type === 'seq-item-ind' ||
        type === 'explicit-key-ind' ||
        type === 'map-value-ind'
      ) {
        column += token.length;
        if (column > MAX_INDENT_COLUMN) {
          refuse(`it nests too deep: content starts beyond column ${MAX_INDENT_COLUMN}`, `line ${line}`);
        }
        continue;
      }
      lineStart = false;
    }
    if (type === 'flow-seq-start' || type === 'flow-map-start') {
      if (++flow > MAX_FLOW_DEPTH) {
        refuse(`it nests too deep: more than ${MAX_FLOW_DEPTH} levels of [ ] / { }`, `line ${line}`);
      }
    } else if (type === 'flow-seq-end' || type === 'flow-map-end') {
      flow = Math.max(0, flow - 1);
    }
    // Multi-line tokens (quoted scalars, block scalar bodies) carry their own newlines.
    for (let i = token.indexOf('\n'); i >= 0; i = token.indexOf('\n', i + 1)) line++;
  }
}

/**
 * Parses recipe text (YAML is a superset of JSON, so both work) into a plain value. Anything
 * it cannot read, for whatever reason, is a RecipeFileError saying why: bad input, never a crash.
 */
export function parseRecipeText(text: string): unknown {
  checkShape(text);
  const lineCounter = new LineCounter();
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return `line ${pos.line}, column ${pos.col}`;
  };
  try {
    // uniqueKeys off: checked below in linear time instead of the parser's quadratic pass.
    const doc = parseDocument(text, {
      prettyErrors: true,
      uniqueKeys: false,
      logLevel: 'error',
      lineCounter,
    });
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0];
      refuse(
        error.message.split('\n')[0] ?? error.message,
        pos ? `line ${pos.line}, column ${pos.col}` : undefined,
      );
    }
    visit(doc, {
      Map(_, map) {
        const seen = new Set<string>();
        for (const pair of map.items) {
          const key = isScalar(pair.key) ? `${typeof pair.key.value}:${String(pair.key.value)}` : undefined;
          if (key === undefined) continue;
          if (seen.has(key)) {
            const name = JSON.stringify(String((pair.key as { value: unknown }).value));
            refuse(
              `duplicate key ${name}: map keys must be unique`,
              isNode(pair.key) && pair.key.range ? at(pair.key.range[0]) : undefined,
            );
          }
          seen.add(key);
        }
      },
    });
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof RecipeFileError) throw err;
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    if (/Excessive alias count/.test(message ?? '')) {
      refuse(
        `its aliases (*name) expand to too much data (more than ${MAX_ALIAS_COUNT} alias uses per node)`,
      );
    }
    if (err instanceof YAMLParseError || err instanceof ReferenceError) refuse(message ?? 'unreadable');
    refuse(`the YAML parser gave up: ${message}`);
  }
}

/** Text to a validation result; never throws (the API's validate route, fuzz tests). */
export function validateRecipeText(text: string): ParseResult {
  try {
    return parseRecipe(parseRecipeText(text));
  } catch (err) {
    if (err instanceof RecipeFileError) return { ok: false, issues: err.issues };
    return { ok: false, issues: [{ path: '', message: err instanceof Error ? err.message : String(err) }] };
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
