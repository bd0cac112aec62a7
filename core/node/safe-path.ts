/**
 * Paths built from input (benchmark ids, log components) must stay inside their folder. The
 * id patterns already refuse `..`, but the resolved path is what the filesystem sees, so it is
 * checked here too: one rule for every place that joins input onto a root.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';

export class PathEscapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathEscapeError';
  }
}

/** `root` joined with `parts`, resolved; throws when the result is root itself or outside it. */
export function insideDir(root: string, ...parts: string[]): string {
  const shown = JSON.stringify(parts.join('/'));
  if (parts.some((p) => p.includes('\0'))) throw new PathEscapeError(`${shown} contains a NUL character`);
  const base = resolve(root);
  const full = resolve(base, ...parts);
  const rel = relative(base, full);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new PathEscapeError(`${shown} does not name something inside ${base}`);
  }
  return full;
}
