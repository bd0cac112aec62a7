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
  const standardNormal = normalSampler(rng);
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

/** Standard normal draws (Box–Muller, which yields pairs: the second is kept for the next call). */
export function normalSampler(rng: Rng): () => number {
  let spare: number | undefined;
  return () => {
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
}

/**
 * Gamma(shape, scale) draws by Marsaglia & Tsang (2000): a squeeze-and-reject on a cubed
 * normal, about 1.03 normals per draw for shape >= 1; a shape below 1 is boosted to shape + 1
 * and scaled back by U^(1/shape). Hand-written (a dozen lines) because it must draw from the
 * seeded `rng`; shape 1 is the exponential distribution.
 */
export function gammaSampler(shape: number, scale: number, rng: Rng): () => number {
  if (!(shape > 0) || !(scale > 0))
    throw new RangeError(`gamma needs shape and scale > 0, got ${shape}, ${scale}`);
  const boost = shape < 1;
  const d = (boost ? shape + 1 : shape) - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  const normal = normalSampler(rng);
  const draw = (): number => {
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - rng(); // (0, 1]
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  };
  return boost ? () => draw() * (1 - rng()) ** (1 / shape) * scale : () => draw() * scale;
}
