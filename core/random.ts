/**
 * Seeded randomness shared by the simulator (TTFTs, inter-token delays, output lengths) and
 * the load generator (prompt lengths and words). Pure and dependency-free: a given seed always
 * reproduces the same sequence, and Math.random cannot be seeded.
 */
import type { Distribution } from './loadgen-protocol';

export type { Distribution };

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** mulberry32: tiny, fast and good enough for jitter; not for anything cryptographic. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derives independent streams from one seed, so that e.g. changing the ITL stdev does not
 * change which output lengths are drawn. Mixing (splitmix32 finaliser) keeps nearby
 * seeds/streams from producing correlated sequences.
 */
export function deriveRng(seed: number, stream: number): Rng {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return mulberry32((h ^ (h >>> 16)) >>> 0);
}

/** Rejection gives up after this many draws (a window far in the tail) and clamps instead. */
const MAX_REJECTIONS = 64;

/**
 * Returns a sampler for `dist`. `mean`/`stdev` describe the normal *before* truncation,
 * so a window that cuts one tail shifts the observed mean (as with any truncated normal).
 */
export function createSampler(dist: Distribution, rng: Rng): () => number {
  const lo = dist.min ?? 0;
  const hi = dist.max ?? Number.POSITIVE_INFINITY;
  const clamp = (x: number) => Math.min(Math.max(x, lo), hi);
  const stdev = dist.stdev ?? 0;
  if (stdev <= 0) {
    // No RNG draw at all: constant timings cost nothing on the hot path.
    const value = clamp(dist.mean);
    return () => value;
  }
  // Box–Muller yields pairs; keep the second one for the next call.
  let spare: number | undefined;
  const standardNormal = (): number => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    const u = 1 - rng(); // (0, 1], keeps log() finite
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * rng();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
  return () => {
    let x = 0;
    for (let i = 0; i < MAX_REJECTIONS; i++) {
      x = dist.mean + stdev * standardNormal();
      if (x >= lo && x <= hi) return x;
    }
    return clamp(x);
  };
}

/** Token counts are whole and at least one. */
export function createCountSampler(dist: Distribution, rng: Rng): () => number {
  const sample = createSampler(dist, rng);
  return () => Math.max(1, Math.round(sample()));
}
