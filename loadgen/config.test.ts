import { describe, expect, it } from 'vitest';
import { loadgenConfig } from '../core/loadgen-config';
import type { LoadgenConfig } from '../core/loadgen-protocol';
import { parseRecipe } from '../core/recipe';
import { clientShare, parseLoadgenConfig, shareOf } from './config';
import { validConfig } from './testing';

describe('clientShare', () => {
  it('splits exactly, extra ones going to the first clients', () => {
    expect([0, 1, 2].map((i) => clientShare(10, 3, i))).toEqual([4, 3, 3]);
    expect([0, 1, 2, 3].map((i) => clientShare(2, 4, i))).toEqual([1, 1, 0, 0]);
    for (const [total, n] of [
      [0, 3],
      [7, 7],
      [100, 6],
      [5, 8],
    ] as const) {
      const shares = Array.from({ length: n }, (_, i) => clientShare(total, n, i));
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
  });
});

describe('parseLoadgenConfig', () => {
  it('accepts a valid config unchanged', () => {
    expect(parseLoadgenConfig(structuredClone(validConfig))).toEqual(validConfig);
  });

  it('accepts each prompt-cache policy and refuses an unknown one', () => {
    for (const mode of ['allow', 'cache_prompt_false', 'unique_prefix'] as const)
      expect(parseLoadgenConfig({ ...validConfig, promptCache: { mode } }).promptCache).toEqual({ mode });
    expect(() => parseLoadgenConfig({ ...validConfig, promptCache: { mode: 'nope' } })).toThrow(
      /promptCache/,
    );
  });

  it('lists every problem with its path', () => {
    const bad = {
      ...validConfig,
      version: 1,
      load: { mode: 'concurrency', concurrency: -1 },
      baseUrl: 'nope',
    };
    expect(() => parseLoadgenConfig(bad)).toThrow(/version[\s\S]*baseUrl[\s\S]*load\.concurrency/);
  });

  it('needs a duration or a request budget', () => {
    const bad = { ...validConfig, timing: { warmupMs: 0, cooldownMs: 0 } };
    expect(() => parseLoadgenConfig(bad)).toThrow(/durationMs or maxRequests/);
  });
});

describe('shareOf', () => {
  const cfg = (load: LoadgenConfig['load'], maxRequests?: number): LoadgenConfig => ({
    ...validConfig,
    clientCount: 3,
    load,
    timing: { ...validConfig.timing, ...(maxRequests ? { maxRequests } : {}) },
  });
  const shares = (c: LoadgenConfig) => [0, 1, 2].map((i) => shareOf(c, i));
  it('splits concurrency, caps and budgets exactly, and rates evenly', () => {
    expect(shares(cfg({ mode: 'concurrency', concurrency: 8 }, 10))).toEqual([
      { concurrency: 3, ratePerS: null, maxRequests: 4 },
      { concurrency: 3, ratePerS: null, maxRequests: 3 },
      { concurrency: 2, ratePerS: null, maxRequests: 3 },
    ]);
    expect(
      shares(cfg({ mode: 'poisson', rate: 30, maxConcurrency: 4 })).map((s) => [s.concurrency, s.ratePerS]),
    ).toEqual([
      [2, 10],
      [1, 10],
      [1, 10],
    ]);
    expect(shares(cfg({ mode: 'constant', rate: 3 }))[0]).toEqual({
      concurrency: null,
      ratePerS: 1,
      maxRequests: null,
    });
  });
  it('synchronous: client 0 sends one at a time, the others idle', () => {
    expect(shares(cfg({ mode: 'synchronous' }, 5))).toEqual([
      { concurrency: 1, ratePerS: null, maxRequests: 5 },
      { concurrency: 0, ratePerS: null, maxRequests: 0 },
      { concurrency: 0, ratePerS: null, maxRequests: 0 },
    ]);
  });
});

describe('realistic-traffic configs', () => {
  const withLoad = (load: LoadgenConfig['load'], more: Partial<LoadgenConfig> = {}): LoadgenConfig => ({
    ...structuredClone(validConfig),
    load,
    ...more,
  });
  const trace = { format: 'mooncake' as const, file: 'trace.jsonl', blockSize: 512 };

  it('accepts every arrival process, and gives each client its mean rate (none for a trace)', () => {
    const cases: [LoadgenConfig['load'], number | null][] = [
      [{ mode: 'gamma', rate: 30, burstiness: 0.5 }, 15],
      [{ mode: 'bursts', burstSize: 10, periodMs: 500 }, 10],
      [{ mode: 'ramp', fromRate: 0, toRate: 40 }, 10],
      [{ mode: 'trace', speed: 2 }, null],
    ];
    for (const [load, perClient] of cases) {
      const cfg = withLoad(load, { dataset: { trace, seed: 1, exactOutputLength: true } });
      expect(parseLoadgenConfig(structuredClone(cfg))).toEqual(cfg);
      expect(shareOf(cfg, 1).ratePerS).toBe(perClient);
    }
  });

  it('refuses a ramp without a duration, a trace stage without a trace, sessions off chat, two sources', () => {
    const problems = (cfg: unknown) => {
      try {
        parseLoadgenConfig(cfg);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(
      problems(
        withLoad(
          { mode: 'ramp', fromRate: 1, toRate: 2 },
          { timing: { warmupMs: 0, cooldownMs: 0, maxRequests: 5 } },
        ),
      ),
    ).toContain('timing.durationMs: a ramp needs timing.durationMs');
    expect(problems(withLoad({ mode: 'trace', speed: 1 }))).toContain(
      'dataset.trace: mode trace needs dataset.trace',
    );
    expect(
      problems({
        ...validConfig,
        api: 'openai-completions',
        dataset: { ...validConfig.dataset, sessions: { turns: 2 } },
      }),
    ).toContain('dataset.sessions: sessions need the chat API');
    expect(problems({ ...validConfig, dataset: { ...validConfig.dataset, trace } })).toContain(
      'exactly one of synthetic, file, trace',
    );
    expect(problems(withLoad({ mode: 'bursts', burstSize: 0, periodMs: 10 }))).toContain('load.burstSize');
  });
});

it('every realistic-traffic stage a recipe can hold makes a config the load generator accepts', () => {
  const r = parseRecipe({
    name: 't',
    service: { kind: 'simulator' },
    workload: {
      kind: 'openai-chat',
      dataset: { trace: { path: 't.jsonl' } },
      stages: [
        { name: 'g', mode: 'gamma', rate: 20, burstiness: 0.5, duration: '10s' },
        { name: 'b', mode: 'bursts', burstSize: 8, every: '500ms', duration: '10s', maxConcurrency: 16 },
        { name: 'r', mode: 'ramp', from: 0, to: 40, duration: '10s', warmup: '2s' },
        { name: 't', mode: 'trace', speed: 3, duration: '1m' },
      ],
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  for (let i = 0; i < 4; i++) {
    const cfg = loadgenConfig('b', r.recipe, i, 'http://h:1');
    expect(parseLoadgenConfig(JSON.parse(JSON.stringify(cfg)))).toEqual(cfg);
  }
});
