/**
 * The search attributes every benchmark carries, so the Temporal Web UI, `temporal workflow
 * list` and the API can list and filter runs. Pure: the workflow imports it.
 *
 * A server must know them before a workflow sets them: the embedded dev server registers them
 * at start (`--search-attribute`), `ensureSearchAttributes` (control/) registers them on other
 * servers, and the README shows the `temporal operator search-attribute create` line.
 */
import { defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';
import type { Phase } from './contract';
import type { Recipe } from './recipe';

export const BenchmarkIdKey = defineSearchAttributeKey('AifbBenchmarkId', 'KEYWORD');
export const RecipeKey = defineSearchAttributeKey('AifbRecipe', 'KEYWORD');
export const ServiceKindKey = defineSearchAttributeKey('AifbServiceKind', 'KEYWORD');
export const ExecutorKey = defineSearchAttributeKey('AifbExecutor', 'KEYWORD');
export const PhaseKey = defineSearchAttributeKey('AifbPhase', 'KEYWORD');

export const SEARCH_ATTRIBUTE_KEYS = [BenchmarkIdKey, RecipeKey, ServiceKindKey, ExecutorKey, PhaseKey];

/** `Name=Type` pairs as `temporal server start-dev --search-attribute` takes them. */
export const DEV_SERVER_SEARCH_ATTRIBUTE_ARGS: string[] = SEARCH_ATTRIBUTE_KEYS.flatMap((key) => [
  '--search-attribute',
  `${key.name}=Keyword`,
]);

/** What a benchmark of `recipe` is listed under (the phase changes as it runs). */
export function benchmarkSearchAttributes(
  benchmarkId: string,
  recipe: Recipe | null,
  phase: Phase,
): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: BenchmarkIdKey, value: benchmarkId },
    { key: PhaseKey, value: phase },
  ];
  if (recipe) {
    pairs.push(
      { key: RecipeKey, value: recipe.name },
      { key: ServiceKindKey, value: recipe.service.kind },
      { key: ExecutorKey, value: recipe.target.executor },
    );
  }
  return pairs;
}
