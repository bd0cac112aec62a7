/** Benchmark ids: `bench-<recipe name>-<6 chars>`, random or derived from an Idempotency-Key. */
import { createHash, randomBytes } from 'node:crypto';
import { BENCHMARK_ID_RE } from '../core/benchmark-id';
import { recipeName } from '../core/recipe';
import { ControlError } from './types';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const suffixOf = (bytes: Uint8Array) => [...bytes.subarray(0, 6)].map((b) => ALPHABET[b % 36]).join('');

export function newBenchmarkId(recipeName: string): string {
  return `bench-${recipeName}-${suffixOf(randomBytes(6))}`;
}

/**
 * The same key (and recipe name) always gives the same id, so a retried POST finds the run
 * its first attempt started instead of starting another.
 */
export function idempotentBenchmarkId(recipeName: string, idempotencyKey: string): string {
  return `bench-${recipeName}-${suffixOf(createHash('sha256').update(idempotencyKey).digest())}`;
}

/** Schedule ids follow the recipe: one schedule per recipe unless named otherwise. */
export function defaultScheduleId(recipeName: string): string {
  return `aifb-${recipeName}`;
}

/** Refuses what is not a benchmark id before it reaches a path, a URL or a visibility query. */
export function checkBenchmarkId(id: string): string {
  if (!BENCHMARK_ID_RE.test(id)) {
    throw new ControlError(
      'invalid-input',
      `not a benchmark id: ${JSON.stringify(id.length > 100 ? `${id.slice(0, 100)}…` : id)} (letters, digits, . _ -; a letter or digit first; at most 200)`,
    );
  }
  return id;
}

/** Deployments are named like recipes; anything else is refused before a URL or workflow id. */
export function checkDeploymentName(name: string): string {
  if (!recipeName.safeParse(name).success) {
    throw new ControlError('invalid-input', `not a deployment name: ${JSON.stringify(name.slice(0, 100))}`);
  }
  return name;
}

/** A recipe name ([a-z0-9-]): what names a results history; anything else is refused before a path or URL. */
export function checkRecipeName(name: string): string {
  if (!recipeName.safeParse(name).success) {
    throw new ControlError('invalid-input', `not a recipe name: ${JSON.stringify(name.slice(0, 100))}`);
  }
  return name;
}
