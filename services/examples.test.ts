import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecipeFile } from '../core/node/recipe-file';
import { parseRecipe } from '../core/recipe';
import { isLaunched } from '../core/service-kinds';
import { renderServiceScript } from '../slurm-scripts/render';
import { serviceLaunch } from './launch';

const dir = resolve(import.meta.dirname, '../examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('examples', () => {
  it('cover every service kind', async () => {
    const kinds = new Set<string>();
    for (const f of files)
      kinds.add(((await readRecipeFile(join(dir, f))) as { service: { kind: string } }).service.kind);
    expect([...kinds].sort()).toEqual([
      'command',
      'external',
      'llamacpp',
      'ollama',
      'postgres',
      'simulator',
      'vllm',
    ]);
  });

  it.each(files)('%s validates and renders a job script bash accepts', async (file) => {
    const parsed = parseRecipe(await readRecipeFile(join(dir, file)));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const service = parsed.recipe.service;
    if (service.kind === 'deployment' || !isLaunched(service)) return;
    const launch = serviceLaunch(service, '/x/simulator.mjs');
    const script = renderServiceScript({ jobName: 'bench-e-service', ...launch });
    const check = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
    expect(check.stderr).toBe('');
  });
});
