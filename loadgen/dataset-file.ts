/**
 * Prompts from a JSONL file: one request per line, in a seeded order per stage and client (each
 * walks its own shuffle of the whole file, wrapping around), so stages do not replay each other.
 *
 * Formats:
 * - `prompts`: `{"prompt": "...", "max_tokens"?: n}` or a bare JSON string per line.
 * - `sharegpt`: `{"conversations": [{"from": "human", "value": ...}, {"from": "gpt", "value": ...}, ...]}`;
 *   the first human turn is the prompt and the reply that follows gives the output length in
 *   words (as `vllm bench serve` uses ShareGPT's first turn; it counts the reply with the model's
 *   tokenizer, which loadgen does not have).
 * Output length: the configured distribution when there is one (it overrides the file, like
 * `--sharegpt-output-len`), else the line's own (max_tokens, or the reply's words), else 128.
 */
import type { Distribution } from '../core/loadgen-protocol';
import { deriveRng } from '../core/random';
import { countWords, lengthSampler, type PromptSample, promptStream } from './dataset';

export interface DatasetEntry {
  prompt: string;
  maxTokens?: number;
}

function parseLine(line: string, format: 'prompts' | 'sharegpt'): DatasetEntry | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (format === 'prompts') {
    if (typeof v === 'string') return v ? { prompt: v } : 'empty prompt';
    const o = v as { prompt?: unknown; max_tokens?: unknown } | null;
    if (typeof o?.prompt !== 'string' || o.prompt === '') return 'expected {"prompt": "..."} or a string';
    const max = o.max_tokens;
    if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 1))
      return 'max_tokens must be an integer >= 1';
    return max === undefined ? { prompt: o.prompt } : { prompt: o.prompt, maxTokens: max as number };
  }
  const turns = (v as { conversations?: unknown } | null)?.conversations;
  if (!Array.isArray(turns)) return 'expected {"conversations": [...]}';
  const at = turns.findIndex((t) => (t as { from?: unknown })?.from === 'human');
  const prompt = (turns[at] as { value?: unknown } | undefined)?.value;
  if (typeof prompt !== 'string' || prompt === '') return 'no human turn with text';
  const reply = (turns[at + 1] as { from?: unknown; value?: unknown } | undefined) ?? {};
  const words = reply.from === 'gpt' && typeof reply.value === 'string' ? countWords(reply.value) : 0;
  return words > 0 ? { prompt, maxTokens: words } : { prompt };
}

/**
 * Parses a whole file; throws listing up to 5 bad lines with their numbers. Blank lines are
 * skipped. ShareGPT files often hold entries without a usable first turn: those are skipped
 * rather than failing, as long as some remain.
 */
export function parseDataset(text: string, format: 'prompts' | 'sharegpt'): DatasetEntry[] {
  const entries: DatasetEntry[] = [];
  const bad: string[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const r = parseLine(line, format);
    if (typeof r !== 'string') entries.push(r);
    else if (format === 'prompts' || r === 'not JSON') bad.push(`line ${i + 1}: ${r}`);
  });
  if (bad.length > 0) throw new Error(`bad dataset lines:\n  ${bad.slice(0, 5).join('\n  ')}`);
  if (entries.length === 0) throw new Error('the dataset has no usable entries');
  return entries;
}

/** Deterministic per (seed, stageIndex, clientIndex): the n-th call returns the same sample. */
export function createFilePromptSource(
  entries: readonly DatasetEntry[],
  outputTokens: Distribution | undefined,
  seed: number,
  stageIndex: number,
  clientIndex: number,
): () => PromptSample {
  // Its own streams, apart from the synthetic ones (stage 0 keeps its former order).
  const rng = deriveRng(seed, 0x10000 + promptStream(stageIndex, clientIndex));
  const order = Array.from(entries.keys());
  // Fisher–Yates with the seeded stream.
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const configured = outputTokens ? lengthSampler(outputTokens, rng) : null;
  let next = 0;
  return () => {
    const e = entries[order[next]!]!;
    next = (next + 1) % order.length;
    const maxTokens = configured ? configured() : (e.maxTokens ?? 128);
    return { prompt: e.prompt, inputWords: countWords(e.prompt), maxTokens };
  };
}
