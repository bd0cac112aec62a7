/**
 * The simulator's "tokenizer" and token text. There is no real vocabulary: one
 * whitespace-separated word of the prompt counts as one prompt token, and each output
 * token is a short word followed by a space. Clients comparing token counts against the
 * simulator must count the same way.
 */
import type { Rng } from '../core/random';

/** Number of whitespace-separated words (the simulator's prompt token count). */
export function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // ASCII fast path; anything else defers to the regex so we agree with JS `\s`.
    const space = c < 128 ? c === 32 || (c >= 9 && c <= 13) : /\s/.test(text.charAt(i));
    if (space) {
      inWord = false;
    } else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  return words;
}

// Short, JSON-safe words, so chunk text can be spliced into templates without escaping.
const VOCABULARY = (
  'the of and to in is it that was for on are as with his they at be this from have or by ' +
  'one had not but what all were when we there can an your which their said if do will each ' +
  'about how up out them then she many some so these would other into has more her two like ' +
  'him see time could no make than first been its who now people my made over did down only ' +
  'way find use may water long little very after words called just where most know model'
).split(' ');

/**
 * A fixed ring of seeded token texts with each k-token window precomputed, so emitting a
 * chunk is an array lookup rather than string building.
 */
export class TokenText {
  private readonly tokens: string[];
  private readonly windows: string[];

  constructor(
    rng: Rng,
    readonly tokensPerChunk: number,
    readonly size = 1024,
  ) {
    this.tokens = Array.from({ length: size }, () => `${VOCABULARY[Math.floor(rng() * VOCABULARY.length)]} `);
    this.windows = this.tokens.map((_, i) => this.text(i, tokensPerChunk));
  }

  /** Text of `count` consecutive tokens starting at ring position `start`. */
  text(start: number, count: number): string {
    let out = '';
    for (let i = 0; i < count; i++) out += this.tokens[(start + i) % this.size];
    return out;
  }

  /** Text of a full k-token chunk starting at ring position `start`. */
  window(start: number): string {
    return this.windows[start % this.size]!;
  }
}
