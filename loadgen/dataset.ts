/**
 * Seeded synthetic prompts. Lengths are counted in whitespace-separated words because that is what
 * the simulator's tokenizer counts; real servers tokenize differently and their `usage` field is
 * what the results report.
 */
import type { Distribution, SyntheticDataset } from '../core/loadgen-protocol';
import { deriveSeed, mulberry32, standardNormal } from './random';

export interface PromptSample {
  prompt: string;
  /** Words in `prompt`: the input-token count used when the server sends no `usage`. */
  inputWords: number;
  /**
   * Sent as `max_tokens` and `min_tokens`, with `ignore_eos: true`, so servers that honour those
   * (vLLM, llama.cpp, the simulator) generate exactly this many tokens. Others may stop earlier.
   */
  maxTokens: number;
}

/** Short, common English words: each is a single token for typical BPE tokenizers. */
const VOCABULARY = (
  'the of and to in is you that it he was for on are as with his they at be this have from or one had by ' +
  'word but not what all were we when your can said there use an each which she do how their if will up ' +
  'other about out many then them these so some her would make like him into time has look two more write ' +
  'go see number no way could people my than first water been call who oil its now find long down day did ' +
  'get come made may part over new sound take only little work know place year live me back give most very'
).split(' ');

/** Tries before falling back to clamping, so a badly placed [min, max] cannot loop forever. */
const MAX_RESAMPLES = 32;

/**
 * One length from a truncated normal: resample until inside [min ?? 1, max ?? ∞], then round.
 * stdev 0 or absent gives the (clamped, rounded) mean every time.
 */
export function sampleLength(dist: Distribution, rng: () => number): number {
  const lo = Math.max(1, dist.min ?? 1);
  const hi = dist.max ?? Number.POSITIVE_INFINITY;
  const stdev = dist.stdev ?? 0;
  let x = dist.mean;
  if (stdev > 0) {
    for (let i = 0; i < MAX_RESAMPLES; i++) {
      x = dist.mean + stdev * standardNormal(rng);
      if (x >= lo && x <= hi) break;
    }
  }
  return Math.round(Math.min(hi, Math.max(lo, x)));
}

/** Deterministic for a given (dataset, seed, clientIndex): the n-th call returns the same sample. */
export function createPromptSource(
  dataset: SyntheticDataset,
  seed: number,
  clientIndex: number,
): () => PromptSample {
  const rng = mulberry32(deriveSeed(seed, clientIndex));
  const words: string[] = [];
  return () => {
    const inputWords = sampleLength(dataset.inputTokens, rng);
    const maxTokens = sampleLength(dataset.outputTokens, rng);
    // Random words (not a fixed text) so prompts share no long prefix and prefix caching
    // on real servers does not make later requests artificially cheap.
    words.length = inputWords;
    for (let i = 0; i < inputWords; i++) {
      words[i] = VOCABULARY[Math.floor(rng() * VOCABULARY.length)]!;
    }
    return { prompt: words.join(' '), inputWords, maxTokens };
  };
}
