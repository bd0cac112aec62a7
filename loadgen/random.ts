/**
 * A tiny seeded PRNG. Load generation needs reproducible prompts, not cryptographic
 * randomness, and Math.random cannot be seeded.
 */

/** mulberry32: 32-bit state, good enough statistical quality for sampling prompt lengths and words. */
export function mulberry32(seed: number): () => number {
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
 * Mixes (seed, stream) into one 32-bit seed so that client 0 and client 1 of the same benchmark
 * get unrelated sequences (plain `seed + index` would give overlapping mulberry32 streams).
 */
export function deriveSeed(seed: number, stream: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ Math.imul(stream >>> 0, 0xc2b2ae35), 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Standard normal sample (Box–Muller; the second value is discarded to keep the state simple). */
export function standardNormal(rng: () => number): number {
  const u = 1 - rng(); // (0, 1], so log(u) is finite
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
