/**
 * Seeded synthetic prompts. Lengths are counted in whitespace-separated words because that is what
 * the simulator's tokenizer counts; real servers tokenize differently and their `usage` field is
 * what the results report.
 */
import type { Distribution, SharedPrefixSpec, SyntheticDataset } from '../core/loadgen-protocol';
import { createCountSampler, deriveRng, type Rng } from '../core/random';

/** A chat message as the API takes it (sessions carry the earlier ones). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface PromptSample {
  /** The user's text: the whole prompt, or a session's newest turn. */
  prompt: string;
  /**
   * Words of everything sent (system prompt, earlier turns, `prompt`): the input-token count
   * used when the server sends no `usage`.
   */
  inputWords: number;
  /**
   * Sent as `max_tokens` and `min_tokens`, with `ignore_eos: true`, so servers that honour those
   * (vLLM, llama.cpp, the simulator) generate exactly this many tokens. Others may stop earlier.
   */
  maxTokens: number;
  /** A system prompt before it (a shared prefix): chat's system message, else the prompt's start. */
  system?: string;
  /** A session's earlier turns, oldest first (user, assistant, user, ...): chat only. */
  history?: readonly ChatMessage[];
}

/** Short, common English words: each is a single token for typical BPE tokenizers. */
const VOCABULARY = (
  'the of and to in is you that it he was for on are as with his they at be this have from or one had by ' +
  'word but not what all were we when your can said there use an each which she do how their if will up ' +
  'other about out many then them these so some her would make like him into time has look two more write ' +
  'go see number no way could people my than first water been call who oil its now find long down day did ' +
  'get come made may part over new sound take only little work know place year live me back give most very'
).split(' ');

/** Whole lengths >= 1 from a truncated normal (stdev 0 or absent: the rounded mean every time). */
export function lengthSampler(dist: Distribution, rng: Rng): () => number {
  return createCountSampler({ ...dist, min: Math.max(1, dist.min ?? 1) }, rng);
}

/**
 * The random stream of one client in one stage. Each stage gets its own prompts: replaying a
 * stage's prompts would let a server's prompt cache answer every later stage (llama.cpp does).
 * Stage 0 keeps the stream a client had before stages were mixed in (stream = clientIndex).
 */
export const promptStream = (stageIndex: number, clientIndex: number) => stageIndex * 0x1000 + clientIndex;

/** Deterministic for a given (dataset, seed, stageIndex, clientIndex): the n-th call returns the same sample. */
export function createPromptSource(
  dataset: SyntheticDataset,
  seed: number,
  stageIndex: number,
  clientIndex: number,
): () => PromptSample {
  const rng = deriveRng(seed, promptStream(stageIndex, clientIndex));
  const inputLength = lengthSampler(dataset.inputTokens, rng);
  const outputLength = lengthSampler(dataset.outputTokens, rng);
  const words: string[] = [];
  return () => {
    const inputWords = inputLength();
    const maxTokens = outputLength();
    // Random words (not a fixed text) so prompts share no long prefix and prefix caching
    // on real servers does not make later requests artificially cheap.
    return { prompt: randomWords(rng, inputWords, words).join(' '), inputWords, maxTokens };
  };
}

/** `count` seeded words of the vocabulary (into `into`, reused to spare allocations). */
export function randomWords(rng: Rng, count: number, into: string[] = []): string[] {
  into.length = count;
  for (let i = 0; i < count; i++) into[i] = VOCABULARY[Math.floor(rng() * VOCABULARY.length)]!;
  return into;
}

export const countWords = (s: string) => {
  const t = s.trim();
  return t === '' ? 0 : t.split(/\s+/).length;
};

/**
 * The system prompts of a shared-prefix workload (`dataset.sharedPrefix`): `groups` texts of
 * `words` seeded words each. The same for every client (so requests of one group share the
 * prefix across clients) but new in each stage, as prompts are: a later stage does not find
 * the previous one's prefixes cached. `pick` draws a group per request from the client's stream.
 */
export function prefixGroups(
  spec: SharedPrefixSpec,
  seed: number,
  stageIndex: number,
  clientIndex: number,
): () => { text: string; words: number } {
  const texts = new Map<number, string>();
  const rng = deriveRng(seed ^ 0x9f1c, promptStream(stageIndex, clientIndex));
  return () => {
    const group = Math.floor(rng() * spec.groups);
    let text = texts.get(group);
    if (text === undefined) {
      text = randomWords(deriveRng(seed ^ 0x9f1d, stageIndex * 0x100000 + group), spec.words).join(' ');
      texts.set(group, text);
    }
    return { text, words: spec.words };
  };
}

/** Each request with one group's system prompt before it (no sessions: those pick per session). */
export function withSharedPrefix(
  source: () => PromptSample,
  pick: () => { text: string; words: number },
): () => PromptSample {
  return () => {
    const s = source();
    const prefix = pick();
    return { ...s, system: prefix.text, inputWords: s.inputWords + prefix.words };
  };
}

/**
 * Puts a prefix no other request shares before every prompt (`promptCache: unique_prefix`), so a
 * server's prefix cache finds nothing to reuse beyond the chat template and a bracket. The
 * seeded hex comes first (the part a cache would match on); stage, client and sequence number
 * make it unique even if two hex draws collide. `inputWords` stays what the dataset asked: the
 * prefix's few tokens show in the server-counted input.
 */
export function withUniquePrefix(
  source: () => PromptSample,
  seed: number,
  stageIndex: number,
  clientIndex: number,
): () => PromptSample {
  const tag = uniquePrefixer(seed, stageIndex, clientIndex);
  return () => tag(source());
}

/**
 * Puts the unique prefix at the very start of what is sent: before the system prompt, or a
 * session's first turn, or the prompt.
 */
export function uniquePrefixer(
  seed: number,
  stageIndex: number,
  clientIndex: number,
): (s: PromptSample) => PromptSample {
  const rng = deriveRng(seed ^ 0x5eed, promptStream(stageIndex, clientIndex));
  let n = 0;
  return (s) => {
    const hex = Math.floor(rng() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
    const tag = `[${hex} ${stageIndex}.${clientIndex}.${n++}] `;
    if (s.system !== undefined) return { ...s, system: tag + s.system };
    const first = s.history?.[0];
    if (first !== undefined)
      return { ...s, history: [{ ...first, content: tag + first.content }, ...s.history!.slice(1)] };
    return { ...s, prompt: tag + s.prompt };
  };
}
