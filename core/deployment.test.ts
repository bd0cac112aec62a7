import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDeploymentRecipe, servedRecipe, type Target } from './deployment';
import { readRecipeFile } from './node/recipe-file';
import { parseRecipe } from './recipe';
import { sameTarget } from './recipe-read';

const workload = {
  kind: 'openai-chat',
  stages: [{ mode: 'concurrency', concurrency: 2, duration: '10s' }],
};

function issuesOf(result: { ok: boolean; issues?: { path: string; message: string }[] }) {
  if (result.ok) throw new Error('expected the recipe to be refused');
  return result.issues ?? [];
}

describe('deployment recipe', () => {
  it('fills ttl 8h and a 30 s job check by default, durations in ms', () => {
    const result = parseDeploymentRecipe({ name: 'sim', service: { kind: 'simulator' } });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.recipe.deployment).toEqual({ ttl: 8 * 3_600_000, checkInterval: 30_000 });
    expect(result.recipe.target).toEqual({ executor: 'local' });
    expect(result.recipe.service.kind).toBe('simulator');
  });

  it('takes ttl and checkInterval as durations', () => {
    const result = parseDeploymentRecipe({
      name: 'sim',
      service: { kind: 'simulator' },
      deployment: { ttl: '90m', checkInterval: '5s' },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.recipe.deployment).toEqual({ ttl: 90 * 60_000, checkInterval: 5000 });
  });

  it('names every bad field by its path: ttl, interval, service, a stray workload', () => {
    const issues = issuesOf(
      parseDeploymentRecipe({
        name: 'Bad Name',
        service: { kind: 'simulator', port: 70_000 },
        deployment: { ttl: '10s', checkInterval: 'soon' },
        workload,
      }),
    );
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(['', 'deployment.checkInterval', 'deployment.ttl', 'name', 'service.port']);
    expect(issues.find((i) => i.path === 'deployment.ttl')?.message).toBe('at least 1m');
    expect(issues.find((i) => i.path === '')?.message).toMatch(/workload/);
  });

  it('does not let a deployment name another deployment', () => {
    const issues = issuesOf(parseDeploymentRecipe({ name: 'x', service: { deployment: 'y' } }));
    expect(issues.map((i) => i.path)).toEqual(['service.kind']);
  });
});

describe('a benchmark naming a deployment', () => {
  it('accepts service: { deployment: NAME } and reads it as kind deployment', () => {
    const result = parseRecipe({ name: 'b', service: { deployment: 'llama' }, workload });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.recipe.service).toEqual({ kind: 'deployment', deployment: 'llama' });
    expect(() => servedRecipe(result.recipe)).toThrow(/names deployment llama/);
  });

  it('refuses service settings beside the name, and a bad name, by path', () => {
    const issues = issuesOf(
      parseRecipe({ name: 'b', service: { deployment: 'Llama!', port: 8000 }, workload }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['service', 'service.deployment']);
    expect(issues.find((i) => i.path === 'service.deployment')?.message).toMatch(/deployment name/);
  });

  it('says both ways to write a service that has neither kind nor deployment', () => {
    const issues = issuesOf(parseRecipe({ name: 'b', service: { model: 'm' }, workload }));
    const message = issues.find((i) => i.path === 'service.deployment')?.message;
    expect(message).toMatch(
      /give kind \(one of: simulator, command, vllm, llamacpp, ollama, postgres, chroma, qdrant, external\) or name a running deployment/,
    );
  });

  it('keeps the unknown-kind message, now with the deployment way', () => {
    const issues = issuesOf(parseRecipe({ name: 'b', service: { kind: 'tgi' }, workload }));
    expect(issues).toEqual([
      {
        path: 'service.kind',
        message:
          'kind must be one of: simulator, command, vllm, llamacpp, ollama, postgres, chroma, qdrant, external (or deployment: NAME)',
      },
    ]);
  });

  it("uses a deployment on the same target, whatever the benchmark's own clients placement", () => {
    const slurm = { host: 'h', port: 22, user: 'u', identityFile: '~/k', workdir: '/w', partition: 'gpu' };
    const t = (extra: object) => ({ executor: 'slurm', slurm: { ...slurm, ...extra } }) as Target;
    expect(sameTarget(t({}), t({ clients: { partition: 'cpu' } }))).toBe(true);
    expect(sameTarget(t({}), t({ partition: 'cpu' }))).toBe(false);
    expect(sameTarget({ executor: 'local' }, t({}))).toBe(false);
    expect(sameTarget({ executor: 'local' }, { executor: 'local' })).toBe(true);
  });

  it('leaves a recipe with its own service as it is', () => {
    const result = parseRecipe({ name: 'b', service: { kind: 'simulator' }, workload });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(servedRecipe(result.recipe).service.kind).toBe('simulator');
  });
});

describe('examples/deployments', () => {
  const dir = join(import.meta.dirname, '..', 'examples', 'deployments');

  it('holds a valid deployment recipe and a benchmark that names it', async () => {
    const deployment = parseDeploymentRecipe(await readRecipeFile(join(dir, 'simulator.yaml')));
    if (!deployment.ok) throw new Error(JSON.stringify(deployment.issues));
    const bench = parseRecipe(await readRecipeFile(join(dir, 'bench-on-sim.yaml')));
    if (!bench.ok) throw new Error(JSON.stringify(bench.issues));
    expect(bench.recipe.service).toEqual({ kind: 'deployment', deployment: deployment.recipe.name });
    expect(deployment.recipe.deployment.ttl).toBe(2 * 3_600_000);
  });
});
