/** The recipe hash: runs with the same hash asked for the same thing (README "Environment"). */
import { createHash } from 'node:crypto';
import type { Recipe } from '../recipe';

/** JSON with object keys sorted at every level and undefined dropped: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * `sha256:<hex>` of the recipe as run (parsed: defaults filled in, durations in ms), keys sorted.
 * `references` and `description` are left out: changing a tolerance or a comment does not change
 * what is measured, and must not cut a recipe off from its last good run.
 */
export function recipeHash(recipe: Recipe): string {
  const { references: _r, description: _d, ...measured } = recipe;
  return `sha256:${createHash('sha256').update(canonicalJson(measured)).digest('hex')}`;
}
