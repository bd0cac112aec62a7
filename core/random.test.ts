import { describe, expect, it } from 'vitest';
import { createCountSampler, createSampler, deriveRng, gammaSampler, mulberry32 } from './random';

const draw = (f: () => number, n: number) => Array.from({ length: n }, f);

function meanStdev(xs: number[]) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, stdev: Math.sqrt(variance) };
}

describe('mulberry32', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = draw(mulberry32(42), 100);
    expect(draw(mulberry32(42), 100)).toEqual(a);
    expect(draw(mulberry32(43), 100)).not.toEqual(a);
  });

  it('is uniform on [0, 1)', () => {
    const xs = draw(mulberry32(1), 50_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const { mean, stdev } = meanStdev(xs);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(stdev).toBeCloseTo(Math.sqrt(1 / 12), 2);
  });

  it('derives distinct streams from one seed', () => {
    expect(draw(deriveRng(5, 0), 20)).toEqual(draw(deriveRng(5, 0), 20));
    expect(draw(deriveRng(5, 0), 20)).not.toEqual(draw(deriveRng(5, 1), 20));
    expect(draw(deriveRng(5, 0), 20)).not.toEqual(draw(deriveRng(6, 0), 20));
  });
});

describe('createSampler', () => {
  it('is constant without a stdev, clamped to the window', () => {
    expect(draw(createSampler({ mean: 50 }, mulberry32(1)), 5)).toEqual([50, 50, 50, 50, 50]);
    expect(createSampler({ mean: 50, stdev: 0, max: 30 }, mulberry32(1))()).toBe(30);
    expect(createSampler({ mean: 5, min: 8 }, mulberry32(1))()).toBe(8);
  });

  it('matches the configured mean and stdev over many draws', () => {
    const xs = draw(createSampler({ mean: 100, stdev: 15 }, mulberry32(7)), 40_000);
    const { mean, stdev } = meanStdev(xs);
    expect(Math.abs(mean - 100)).toBeLessThan(0.5);
    expect(Math.abs(stdev - 15)).toBeLessThan(0.5);
  });

  it('is deterministic per seed', () => {
    const dist = { mean: 10, stdev: 3 };
    const a = draw(createSampler(dist, mulberry32(9)), 50);
    expect(draw(createSampler(dist, mulberry32(9)), 50)).toEqual(a);
    expect(draw(createSampler(dist, mulberry32(10)), 50)).not.toEqual(a);
  });

  it('truncates to [min ?? 0, max]', () => {
    const xs = draw(createSampler({ mean: 10, stdev: 20, max: 25 }, mulberry32(3)), 20_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(25);
    // Both tails are cut, and the cut below is nearer: the mean moves up from 10.
    const { mean } = meanStdev(xs);
    expect(mean).toBeGreaterThan(11);

    const windowed = draw(createSampler({ mean: 50, stdev: 10, min: 45, max: 55 }, mulberry32(4)), 5_000);
    expect(Math.min(...windowed)).toBeGreaterThanOrEqual(45);
    expect(Math.max(...windowed)).toBeLessThanOrEqual(55);
    expect(new Set(windowed).size).toBeGreaterThan(4_000);
  });

  it('clamps rather than spinning when the window lies far in a tail', () => {
    const x = createSampler({ mean: 0, stdev: 1, min: 1000 }, mulberry32(5))();
    expect(x).toBe(1000);
  });
});

describe('createCountSampler', () => {
  it('rounds to whole counts of at least one', () => {
    const xs = draw(createCountSampler({ mean: 1, stdev: 3 }, mulberry32(11)), 2_000);
    expect(xs.every((x) => Number.isInteger(x) && x >= 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(3);
  });
});

describe('gammaSampler', () => {
  it.each([
    [0.3, 2],
    [1, 5],
    [2.5, 0.4],
    [20, 1],
  ])('shape %s, scale %s: mean shape × scale and variance shape × scale² within 3%', (shape, scale) => {
    const xs = draw(gammaSampler(shape, scale, mulberry32(7)), 200_000);
    expect(xs.every((x) => x >= 0)).toBe(true);
    const { mean, stdev } = meanStdev(xs);
    expect(Math.abs(mean - shape * scale) / (shape * scale)).toBeLessThan(0.03);
    expect(Math.abs(stdev ** 2 - shape * scale * scale) / (shape * scale * scale)).toBeLessThan(0.03);
  });

  it('repeats for a seed and refuses a shape or scale <= 0', () => {
    expect(draw(gammaSampler(0.5, 1, mulberry32(3)), 50)).toEqual(
      draw(gammaSampler(0.5, 1, mulberry32(3)), 50),
    );
    expect(() => gammaSampler(0, 1, mulberry32(1))).toThrow(RangeError);
    expect(() => gammaSampler(1, -1, mulberry32(1))).toThrow(RangeError);
  });
});
