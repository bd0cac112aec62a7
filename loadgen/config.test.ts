import { describe, expect, it } from 'vitest';
import { clientShare, parseLoadgenConfig } from './config';
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

  it('lists every problem with its path', () => {
    const bad = {
      ...validConfig,
      version: 2,
      load: { mode: 'concurrency', concurrency: -1 },
      baseUrl: 'nope',
    };
    expect(() => parseLoadgenConfig(bad)).toThrow(/version[\s\S]*baseUrl[\s\S]*load\.concurrency/);
  });
});
