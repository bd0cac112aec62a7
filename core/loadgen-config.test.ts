import { describe, expect, it } from 'vitest';
import { loadgenConfig, promptCachePolicy } from './loadgen-config';
import { parseRecipe, type Recipe } from './recipe';

function recipe(workload: Record<string, unknown> = {}): Recipe {
  const r = parseRecipe({
    name: 'pc',
    service: { kind: 'simulator' },
    workload: {
      kind: 'openai-chat',
      stages: [{ name: 'a', mode: 'concurrency', concurrency: 1, duration: '1s' }],
      ...workload,
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.recipe;
}
// The llamacpp kind is not in this schema yet: the policy compares the string.
const asLlamacpp = (r: Recipe) =>
  ({ ...r, service: { ...r.service, kind: 'llamacpp' } }) as unknown as Recipe;

describe('promptCache', () => {
  it('defaults to letting the server cache', () => {
    expect(recipe().workload.promptCache).toBe(true);
    expect(promptCachePolicy(recipe())).toEqual({ mode: 'allow' });
    expect(promptCachePolicy(asLlamacpp(recipe()))).toEqual({ mode: 'allow' });
  });
  it('false: llama.cpp gets cache_prompt false, any other server a unique prefix', () => {
    const off = recipe({ promptCache: false });
    expect(promptCachePolicy(asLlamacpp(off))).toEqual({ mode: 'cache_prompt_false' });
    expect(promptCachePolicy(off)).toEqual({ mode: 'unique_prefix' });
  });
  it('reaches the loadgen config', () => {
    const cfg = loadgenConfig('b-1', recipe({ promptCache: false }), 0, '127.0.0.1:1');
    expect(cfg.promptCache).toEqual({ mode: 'unique_prefix' });
  });
  it('rejects a non-boolean in the recipe', () => {
    expect(
      parseRecipe({
        name: 'pc',
        service: { kind: 'simulator' },
        workload: {
          kind: 'openai-chat',
          promptCache: 'no',
          stages: [{ mode: 'synchronous', maxRequests: 1 }],
        },
      }).ok,
    ).toBe(false);
  });
});
