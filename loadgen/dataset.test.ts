import { describe, expect, it } from 'vitest';
import type { SyntheticDataset } from '../core/loadgen-protocol';
import { mulberry32 } from '../core/random';
import { createPromptSource, lengthSampler, withUniquePrefix } from './dataset';

const ds: SyntheticDataset = {
  inputTokens: { mean: 50, stdev: 20, min: 10, max: 80 },
  outputTokens: { mean: 16 },
};
const take = <T>(src: () => T, n: number): T[] => Array.from({ length: n }, src);

describe('createPromptSource', () => {
  it('is deterministic per (seed, stage, client) and differs across clients, stages and seeds', () => {
    const a = take(createPromptSource(ds, 1, 0, 0), 20);
    expect(take(createPromptSource(ds, 1, 0, 0), 20)).toEqual(a);
    expect(take(createPromptSource(ds, 1, 0, 1), 20)).not.toEqual(a);
    expect(take(createPromptSource(ds, 2, 0, 0), 20)).not.toEqual(a);
  });

  it('gives every stage its own prompts (a server prompt cache must not serve the next stage)', () => {
    const fixed: SyntheticDataset = { inputTokens: { mean: 64 }, outputTokens: { mean: 8 } };
    const stage0 = take(createPromptSource(fixed, 1, 0, 3), 10).map((s) => s.prompt);
    const stage1 = take(createPromptSource(fixed, 1, 1, 3), 10).map((s) => s.prompt);
    for (const p of stage1) expect(stage0).not.toContain(p);
    expect(take(createPromptSource(fixed, 1, 1, 3), 10).map((s) => s.prompt)).toEqual(stage1);
  });

  it('prompts have exactly inputWords words, within bounds; constant output length', () => {
    const samples = Array.from({ length: 500 }, createPromptSource(ds, 3, 0, 0));
    for (const s of samples) {
      expect(s.prompt.split(' ').length).toBe(s.inputWords);
      expect(s.inputWords).toBeGreaterThanOrEqual(10);
      expect(s.inputWords).toBeLessThanOrEqual(80);
      expect(s.maxTokens).toBe(16);
    }
    expect(new Set(samples.map((s) => s.inputWords)).size).toBeGreaterThan(20);
  });
});

describe('lengthSampler', () => {
  it('returns the rounded mean when stdev is 0 or absent', () => {
    const rng = mulberry32(1);
    expect(take(lengthSampler({ mean: 12.4 }, rng), 5)).toEqual([12, 12, 12, 12, 12]);
    expect(lengthSampler({ mean: 12.6, stdev: 0 }, rng)()).toBe(13);
  });

  it('never goes below 1 token', () => {
    const rng = mulberry32(2);
    expect(lengthSampler({ mean: 0 }, rng)()).toBe(1);
    const xs = take(lengthSampler({ mean: 2, stdev: 50 }, rng), 1000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(1);
  });

  it('samples a normal with the requested mean and spread (loosely)', () => {
    const rng = mulberry32(3);
    const xs = take(lengthSampler({ mean: 500, stdev: 50 }, rng), 20_000);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeGreaterThan(497);
    expect(mean).toBeLessThan(503);
    expect(sd).toBeGreaterThan(47);
    expect(sd).toBeLessThan(53);
  });

  it('clamps into [min, max] even when the range is far in the tail', () => {
    const rng = mulberry32(4);
    const xs = take(lengthSampler({ mean: 10, stdev: 1, min: 100, max: 120 }, rng), 50);
    for (const x of xs) expect(x).toBe(100);
  });
});

describe('withUniquePrefix', () => {
  const same = () => ({ prompt: 'the same prompt', inputWords: 3, maxTokens: 4 });
  it('gives every request its own first word, reproducibly, and keeps the asked length', () => {
    const a = take(withUniquePrefix(same, 1, 0, 0), 200);
    const b = take(withUniquePrefix(same, 1, 1, 0), 200);
    const firstWords = [...a, ...b].map((s) => s.prompt.split(' ')[0]);
    expect(new Set(firstWords).size).toBe(400);
    expect(new Set([...a, ...b].map((s) => s.prompt.split('] ')[0])).size).toBe(400);
    expect(take(withUniquePrefix(same, 1, 0, 0), 200)).toEqual(a);
    for (const s of a) {
      expect(s.prompt).toMatch(/^\[[0-9a-f]{8} 0\.0\.\d+\] the same prompt$/);
      expect(s.inputWords).toBe(3);
    }
  });
});
