import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDurationMs } from './duration';
import { RecipeFileError, readRecipeFile } from './node/recipe-file';
import { parseRecipe, type ServiceSpec } from './recipe';
import { formatIssues, modelName } from './recipe-read';

const examples = join(import.meta.dirname, '..', 'examples');

// Each bad example and the field path(s) its error must name.
const expectedPaths: Record<string, string[]> = {
  '01-bad-name.yaml': ['name'],
  '02-unknown-service-kind.yaml': ['service.kind'],
  '03-bad-duration.yaml': ['workload.stages.0.duration'],
  '04-no-stages.yaml': ['workload.stages'],
  '05-typo-field.yaml': ['workload.stages.0'],
  '06-port-out-of-range.yaml': ['service.port'],
  '07-fewer-concurrency-than-clients.yaml': ['workload.stages.0.concurrency'],
  '08-newline-in-command.yaml': ['service.command.1'],
  '09-missing-service.yaml': ['service'],
  '10-negative-stdev-and-wrong-types.yaml': [
    'service.simulator.ttft',
    'service.simulator.tokensPerChunk',
    'workload.clients.count',
    'workload.stages.0.concurrency',
  ],
  '11-duplicate-stage-names.yaml': ['workload.stages.1.name'],
  '12-not-yaml.yaml': [''],
  '13-stage-without-bound.yaml': ['workload.stages.0.duration'],
  '14-bad-rate-and-mode.yaml': ['workload.stages.0.rate', 'workload.stages.1.mode'],
  '15-dataset-both-and-bad-key-env.yaml': ['workload.dataset.file', 'workload.apiKeyEnv'],
  '16-cap-below-clients.yaml': ['workload.stages.0.maxConcurrency', 'workload.stages.0.maxRequests'],
  '17-direct-push-not-a-url.yaml': ['telemetry.directPushUrl'],
  '18-http-wrong-block.yaml': ['workload.http.body'],
  '19-command-reserved-env.yaml': ['workload.command.env.SERVICE_URL'],
  '20-direct-loki-not-a-url.yaml': ['telemetry.directLokiUrl'],
  '21-sql-mix-and-placeholders.yaml': [
    'service.health.path',
    'workload.sql.transactions.transfer.0.sql',
    'workload.sql.mix.lookup',
  ],
  '22-vector-without-engine.yaml': ['workload.vector.engine', 'workload.vector.queries'],
};

describe('recipe schema', () => {
  it('accepts the demo and fills defaults, durations in ms', async () => {
    const result = parseRecipe(await readRecipeFile(join(examples, 'demo.yaml')));
    if (!result.ok) throw new Error(formatIssues(result.issues));
    const { recipe } = result;
    expect(recipe.target.executor).toBe('local');
    expect(recipe.service.kind).toBe('simulator');
    if (recipe.service.kind !== 'simulator') throw new Error('kind');
    expect(recipe.service.health.timeout).toBe(30_000);
    expect(recipe.workload.stages[0]).toMatchObject({ duration: 20_000, warmup: 3000 });
    expect(recipe.workload.slo).toEqual({ ttft: 100, tpot: 20 });
    expect(recipe.workload.requestTimeout).toBe(30_000);
    expect(recipe.service.simulator.ttft).toEqual({ mean: 40, stdev: 5 });
    expect(recipe.service.simulator.itl).toEqual({ mean: 8 });
  });

  it('accepts every example recipe', async () => {
    const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));
    expect(files).toEqual(expect.arrayContaining(['demo.yaml', 'slurm-local.yaml', 'meluxina-vllm.yaml']));
    for (const file of files) {
      const result = parseRecipe(await readRecipeFile(join(examples, file)));
      if (!result.ok) throw new Error(`${file}: ${formatIssues(result.issues)}`);
    }
  });

  it('has at least 8 distinct bad examples, each covered here', () => {
    const files = readdirSync(join(examples, 'bad')).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    expect(files.sort()).toEqual(Object.keys(expectedPaths).sort());
  });

  for (const [file, paths] of Object.entries(expectedPaths)) {
    it(`rejects bad/${file} naming ${paths.join(', ') || 'the syntax error'}`, async () => {
      let issues: { path: string; message: string }[];
      try {
        const result = parseRecipe(await readRecipeFile(join(examples, 'bad', file)));
        expect(result.ok).toBe(false);
        issues = result.ok ? [] : result.issues;
      } catch (err) {
        expect(err).toBeInstanceOf(RecipeFileError);
        issues = (err as RecipeFileError).issues;
        expect((err as Error).message).toMatch(/line \d+, column \d+/);
      }
      const reported = issues.map((i) => i.path);
      for (const p of paths) expect(reported).toContain(p);
      for (const i of issues) expect(i.message.length).toBeGreaterThan(3);
    });
  }

  it('reports every problem at once, formatted with paths', () => {
    const result = parseRecipe({ name: 'X', service: { kind: 'simulator', port: -1 }, workload: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatIssues(result.issues);
    expect(text).toMatch(/^recipe is invalid \(\d+ problems\)/);
    expect(text).toContain('- name:');
    expect(text).toContain('- service.port:');
    expect(text).toContain('- workload.kind:');
    expect(text).toContain('- workload.stages:');
  });

  it('reads every load mode and fills defaults (load-modes.yaml)', async () => {
    const result = parseRecipe(await readRecipeFile(join(examples, 'load-modes.yaml')));
    if (!result.ok) throw new Error(formatIssues(result.issues));
    const stages = result.recipe.workload.stages;
    expect(stages.map((s) => s.mode)).toEqual([
      'synchronous',
      'concurrency',
      'throughput',
      'constant',
      'poisson',
      'poisson',
    ]);
    expect(stages[2]).toMatchObject({ maxConcurrency: 64, maxRequests: 2000 });
    expect(stages[2]?.duration).toBeUndefined();
    expect(stages[5]).toMatchObject({ rate: 200, maxConcurrency: 32, duration: 10_000, warmup: 0 });
    expect(result.recipe.workload.dataset).toMatchObject({ seed: 1, exactOutputLength: true });
    expect(result.recipe.workload.recordRequests).toBe(true);
  });

  it('defaults the dataset to synthetic prompts, and leaves it out when a file is given', () => {
    const base = { name: 'd', service: { kind: 'simulator' } };
    const stages = [{ mode: 'concurrency', concurrency: 1, duration: 2 }];
    const plain = parseRecipe({ ...base, workload: { kind: 'openai-chat', stages } });
    expect(plain.ok && plain.recipe.workload.dataset).toEqual({
      synthetic: { inputTokens: { mean: 128 }, outputTokens: { mean: 128 } },
      seed: 1,
      exactOutputLength: true,
    });
    const file = parseRecipe({
      ...base,
      workload: { kind: 'openai-chat', stages, dataset: { file: { path: 'p.jsonl', format: 'sharegpt' } } },
    });
    expect(file.ok && file.recipe.workload.dataset.synthetic).toBeUndefined();
  });

  it('rejects a non-object', () => {
    const result = parseRecipe('name: x');
    expect(result.ok).toBe(false);
  });
});

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['1.5s', 1500],
    ['20m', 1_200_000],
    ['2h', 7_200_000],
    [' 30s ', 30_000],
  ])('%s = %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['10', '10 minutes', '-1s', 's', '1d', ''])('rejects %j', (text) =>
    expect(parseDurationMs(text)).toBeUndefined(),
  );

  it('takes bare numbers as seconds', () => {
    const result = parseRecipe({
      name: 'n',
      service: { kind: 'simulator' },
      workload: { kind: 'openai-chat', stages: [{ mode: 'concurrency', concurrency: 1, duration: 2.5 }] },
    });
    expect(result.ok && result.recipe.workload.stages[0]?.duration).toBe(2500);
  });
});

describe('modelName', () => {
  it("is the simulator's default when no model was given, also after a JSON round trip (workflow input)", () => {
    const parsed = parseRecipe({
      name: 'm',
      service: { kind: 'simulator' },
      workload: { kind: 'openai-chat', stages: [{ mode: 'synchronous', maxRequests: 1 }] },
    });
    if (!parsed.ok) throw new Error(formatIssues(parsed.issues));
    expect(modelName({ service: parsed.recipe.service as ServiceSpec })).toBe('aifb-sim');
    expect(modelName(JSON.parse(JSON.stringify(parsed.recipe)))).toBe('aifb-sim');
  });

  it('is "-" for services that serve no model (vector databases, PostgreSQL)', () => {
    const parsed = parseRecipe({
      name: 'v',
      service: { kind: 'chroma' },
      workload: { kind: 'vector-search', vector: {}, stages: [{ mode: 'synchronous', maxRequests: 1 }] },
    });
    if (!parsed.ok) throw new Error(formatIssues(parsed.issues));
    expect(modelName({ service: parsed.recipe.service as ServiceSpec })).toBe('-');
  });
});
