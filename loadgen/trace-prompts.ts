/**
 * Prompts from a request trace (core/trace.ts). Client i of N takes the trace's requests i,
 * i + N, i + 2N, ... in time order (the runner sends them at their times in mode `trace`; other
 * modes wrap around the file). A request's input is its hash blocks' words in order, each block
 * `blockSize` seeded words that depend only on (seed, stage, hash id): equal ids give equal text
 * on every client, which is the prefix a server's cache may reuse. The last block is cut to
 * `input_length`; inputs longer than their blocks, and requests without hash ids, get words of
 * their own. The output length is the line's `output_length`.
 */
import { readFileSync } from 'node:fs';
import { deriveRng } from '../core/random';
import { parseTrace, type TraceEntry } from '../core/trace';
import { type PromptSample, promptStream, randomWords } from './dataset';

/** Traces already read by this process (a client runs every stage of a benchmark). */
const traces = new Map<string, readonly TraceEntry[]>();

export function readTrace(path: string): readonly TraceEntry[] {
  let trace = traces.get(path);
  if (trace === undefined) {
    try {
      trace = parseTrace(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`trace ${path}: ${(err as Error).message}`);
    }
    traces.set(path, trace);
  }
  return trace;
}

export function createTracePromptSource(
  entries: readonly TraceEntry[],
  blockSize: number,
  seed: number,
  stageIndex: number,
  clientIndex: number,
  clientCount: number,
): () => PromptSample {
  const blockText = traceBlocks(blockSize, seed, stageIndex);
  // Its own stream for the words no other request shares.
  const rng = deriveRng(seed, 0x20000 + promptStream(stageIndex, clientIndex));
  const own: string[] = [];
  let k = clientIndex;
  return () => {
    const e = entries[k % entries.length]!;
    k += clientCount;
    const words: string[] = [];
    for (const id of e.hashIds ?? []) {
      if (words.length >= e.inputLength) break;
      const block = blockText(id);
      const room = e.inputLength - words.length;
      for (let i = 0; i < block.length && i < room; i++) words.push(block[i]!);
    }
    if (words.length < e.inputLength) words.push(...randomWords(rng, e.inputLength - words.length, own));
    return { prompt: words.join(' '), inputWords: e.inputLength, maxTokens: e.outputLength };
  };
}

/** The words of each hash block, made once per id (traces reuse ids often). */
export function traceBlocks(blockSize: number, seed: number, stageIndex: number): (id: number) => string[] {
  const blocks = new Map<number, string[]>();
  const blockSeed = (seed ^ Math.imul(stageIndex + 1, 0x27d4eb2d) ^ 0xb10c) | 0;
  return (id) => {
    let words = blocks.get(id);
    if (words === undefined) {
      words = randomWords(deriveRng(blockSeed, id), blockSize);
      blocks.set(id, words);
    }
    return words;
  };
}
