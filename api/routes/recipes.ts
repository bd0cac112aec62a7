/** GET /recipes (the examples) and POST /recipes/validate. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseRecipeText, RecipeFileError } from '../../core/node/recipe-file';
import { withSiteTarget } from '../../core/node/site-target';
import { parseRecipe } from '../../core/recipe';
import { ErrorBody, ExampleRecipe, RecipeBodyDoc, ValidateResult } from '../schemas';
import type { RouteOptions } from '../types';

/** A body that arrived as YAML text becomes a value; JSON already is one. */
export function bodyValue(body: unknown): unknown {
  return typeof body === 'string' ? parseRecipeText(body) : body;
}

export const recipeRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { deps }) => {
  app.get(
    '/recipes',
    {
      schema: {
        summary: 'The example recipes shipped in examples/ (valid ones only)',
        tags: ['recipes'],
        response: { 200: z.array(ExampleRecipe) },
      },
    },
    async () => {
      const files = (await readdir(deps.examplesDir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
      const examples = [];
      for (const file of files) {
        const value = parseRecipeText(await readFile(join(deps.examplesDir, file), 'utf8'));
        const parsed = parseRecipe(value);
        if (!parsed.ok) continue;
        examples.push({
          file: `examples/${file}`,
          name: parsed.recipe.name,
          description: parsed.recipe.description ?? null,
          recipe: value,
        });
      }
      return examples;
    },
  );

  app.get(
    '/recipes/:name/history',
    {
      schema: {
        summary:
          "A recipe's results history: one entry per finished run, oldest first (trends; the last good run)",
        tags: ['recipes'],
        params: z.object({ name: z.string().max(200) }),
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100_000).optional() }),
        response: { 200: z.array(z.unknown()), 400: ErrorBody },
      },
    },
    async (request) =>
      deps.control.history(
        request.params.name,
        request.query.limit === undefined ? {} : { limit: request.query.limit },
      ),
  );

  app.post(
    '/recipes/validate',
    {
      schema: {
        summary: 'Validate a recipe without running it (200 either way; `valid` says)',
        description: RecipeBodyDoc,
        tags: ['recipes'],
        body: z.unknown(),
        response: { 200: ValidateResult, 400: ErrorBody },
      },
    },
    async (request) => {
      let value: unknown;
      try {
        value = bodyValue(request.body);
      } catch (err) {
        if (err instanceof RecipeFileError) return { valid: false, issues: err.issues, recipe: null };
        throw err;
      }
      const parsed = parseRecipe(withSiteTarget(value));
      return parsed.ok
        ? { valid: true, issues: [], recipe: parsed.recipe as Record<string, unknown> }
        : { valid: false, issues: parsed.issues, recipe: null };
    },
  );
};
