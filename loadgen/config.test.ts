import { describe, expect, it } from 'vitest';
import type { LoadgenConfig } from '../core/loadgen-protocol';
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
