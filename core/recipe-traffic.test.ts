/**
 * The realistic-traffic settings of a recipe: arrival processes (gamma, bursts, ramp, trace),
 * traces, sessions and shared prefixes — what they parse to, what reaches the load generator,
 * and every mistake rejected with its field path.
 */
import { describe, expect, it } from 'vitest';
import { loadgenConfig } from './loadgen-config';
import type { StageSpec } from './recipe';
import { parseRecipe, type Recipe } from './recipe';
import { requestedRate, stageLoad } from './recipe-read';

function parse(workload: Record<string, unknown>) {
  return parseRecipe({
    name: 't',
    service: { kind: 'simulator' },
    workload: { kind: 'openai-chat', ...workload },
  });
}

function ok(workload: Record<string, unknown>): Recipe {
  const r = parse(workload);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.recipe;
}

/** The issues as `path: message`, so a test names the field and the reason. */
function issues(workload: Record<string, unknown>): string[] {
  const r = parse(workload);
  if (r.ok) throw new Error('expected the recipe to be rejected');
  return r.issues.map((i) => `${i.path}: ${i.message}`);
}

const trace = { path: 'examples/traces/mooncake-sample.jsonl' };

describe('arrival processes in the recipe', () => {
  it('parses gamma, bursts, ramp and trace stages into their loads and rates', () => {
    const r = ok({
      dataset: { trace },
      stages: [
        { name: 'g', mode: 'gamma', rate: 20, burstiness: 0.5, duration: '10s' },
        { name: 'b', mode: 'bursts', burstSize: 8, every: '500ms', duration: '10s', maxConcurrency: 16 },
        { name: 'r', mode: 'ramp', from: 0, to: 40, duration: '10s', warmup: '2s' },
        { name: 't', mode: 'trace', duration: '1m' },
        { name: 't2', mode: 'trace', speed: 2.5, duration: '1m' },
      ],
    });
    // Every stage here is a load of its own (no sweep or search).
    const stages = r.workload.stages as StageSpec[];
    expect(stages.map(stageLoad)).toEqual([
      { mode: 'gamma', rate: 20, burstiness: 0.5 },
      { mode: 'bursts', burstSize: 8, periodMs: 500, maxConcurrency: 16 },
      { mode: 'ramp', fromRate: 0, toRate: 40 },
      { mode: 'trace', speed: 1 },
      { mode: 'trace', speed: 2.5 },
    ]);
    expect(stages.map(requestedRate)).toEqual([20, 16, null, null, null]);
  });

  it('rejects bad values with their paths and reasons', () => {
    expect(
      issues({
        stages: [
          { mode: 'gamma', rate: 10, burstiness: 0, duration: '1s' },
          { mode: 'bursts', burstSize: 0, every: '0ms', duration: '1s' },
          { mode: 'ramp', from: -1, to: 10, duration: '2s' },
          { mode: 'trace', speed: 0, duration: '1s' },
          { mode: 'gamma', rate: 10, duration: '1s' },
        ],
      }),
    ).toEqual(
      [
        'stages.0.burstiness: burstiness must be > 0 (1 = Poisson, below 1 burstier, above 1 more even)',
        'stages.1.burstSize: at least 1 requests per burst',
        'stages.1.every: at least 1ms',
        'stages.2.from: at least 0 requests per second',
        'stages.3.speed: speed must be > 0',
        'stages.4.burstiness: expected a number > 0 (1 = Poisson, below 1 burstier, above 1 more even)',
      ].map((m) => `workload.${m}`),
    );
  });

  it('a ramp needs a duration and a rate somewhere; an unknown mode lists every mode', () => {
    expect(issues({ stages: [{ mode: 'ramp', from: 0, to: 10, maxRequests: 100 }] })).toEqual([
      'workload.stages.0.duration: a ramp needs a duration (its rate rises over warm-up + duration)',
    ]);
    expect(issues({ stages: [{ mode: 'ramp', from: 0, to: 0, duration: '1s' }] })).toEqual([
      'workload.stages.0.to: from and to cannot both be 0',
    ]);
    expect(issues({ stages: [{ mode: 'sawtooth', duration: '1s' }] })).toEqual([
      'workload.stages.0.mode: mode must be one of: synchronous, concurrency, throughput, constant, poisson, gamma, bursts, ramp, trace, sweep, capacity-search',
    ]);
  });

  it('a trace stage needs a duration to bound it', () => {
    expect(issues({ dataset: { trace }, stages: [{ mode: 'trace', maxRequests: 10 }] })).toEqual([
      'workload.stages.0.duration: a trace stage needs a duration (it ends with the trace; the duration bounds it)',
    ]);
  });

  it('mode trace needs a trace', () => {
    expect(issues({ stages: [{ mode: 'trace', duration: '1s' }] })).toEqual([
      'workload.stages.0.mode: mode trace replays workload.dataset.trace, which is not given',
    ]);
  });
});

describe('traces, sessions and shared prefixes in the recipe', () => {
  const stages = [{ mode: 'concurrency', concurrency: 2, duration: '1s' }];

  it('fills defaults and reaches the loadgen config (words as the synthetic prompts count them)', () => {
    const t = ok({ stages, dataset: { trace } });
    expect(t.workload.dataset.trace).toEqual({ ...trace, format: 'mooncake', blockSize: 512 });
    expect(t.workload.dataset.synthetic).toBeUndefined();
    expect(loadgenConfig('b', t, 0, 'http://h:1').dataset).toEqual({
      trace: { format: 'mooncake', file: 'trace.jsonl', blockSize: 512 },
      seed: 1,
      exactOutputLength: true,
    });
    const s = ok({
      stages,
      dataset: {
        sessions: { turns: 4, thinkTime: { mean: '1s', stdev: '200ms' } },
        sharedPrefix: { groups: 3, tokens: 200 },
      },
    });
    expect(loadgenConfig('b', s, 0, 'http://h:1').dataset).toEqual({
      synthetic: { inputTokens: { mean: 128 }, outputTokens: { mean: 128 } },
      sessions: { turns: 4, thinkTimeMs: { mean: 1000, stdev: 200 } },
      sharedPrefix: { groups: 3, words: 200 },
      seed: 1,
      exactOutputLength: true,
    });
  });

  it('rejects two prompt sources, bad blocks and turns, with paths', () => {
    expect(
      issues({
        stages,
        dataset: {
          synthetic: { inputTokens: 10 },
          trace: { ...trace, format: 'azure', blockSize: 0 },
          sessions: { turns: 0 },
          sharedPrefix: { groups: 0, tokens: 10 },
        },
      }),
    ).toEqual(
      [
        'dataset.trace.format: format must be "mooncake"',
        'dataset.trace.blockSize: at least 1 tokens per block',
        'dataset.sessions.turns: at least 1 turns',
        'dataset.sharedPrefix.groups: at least 1 groups',
      ].map((m) => `workload.${m}`),
    );
    expect(issues({ stages, dataset: { synthetic: { inputTokens: 10 }, trace } })).toEqual([
      'workload.dataset.trace: give one of synthetic, file, trace, not synthetic and trace',
    ]);
  });

  it('refuses combinations that would measure something else than asked', () => {
    expect(
      issues({ stages, dataset: { trace, sessions: { turns: 2 }, sharedPrefix: { groups: 1, tokens: 5 } } }),
    ).toEqual([
      'workload.dataset.sessions: a trace gives single requests: no sessions with a trace',
      'workload.dataset.sharedPrefix: a trace gives its shared prefixes itself (hash_ids): no sharedPrefix with a trace',
    ]);
    expect(issues({ kind: 'openai-completions', stages, dataset: { sessions: { turns: 2 } } })).toEqual([
      'workload.dataset.sessions: sessions carry chat messages: they need kind openai-chat, not openai-completions',
    ]);
    // A shared prefix is there to be cached: keeping the cache out would measure nothing.
    expect(
      issues({ stages, promptCache: false, dataset: { sharedPrefix: { groups: 2, tokens: 50 } } }),
    ).toEqual([
      'workload.promptCache: sharedPrefix measures prefix caching: promptCache: false would defeat it (drop one of them)',
    ]);
    // Sessions without caching are honest: every turn then gets a unique prefix.
    expect(ok({ stages, promptCache: false, dataset: { sessions: { turns: 3 } } }).workload.promptCache).toBe(
      false,
    );
  });
});
