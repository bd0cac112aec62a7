import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../core/trace';
import { createTracePromptSource } from './trace-prompts';

const entries: TraceEntry[] = [
  { timestampMs: 0, inputLength: 10, outputLength: 3, hashIds: [7, 8, 9] },
  { timestampMs: 1, inputLength: 7, outputLength: 5, hashIds: [7, 4] },
  { timestampMs: 2, inputLength: 6, outputLength: 2 },
  { timestampMs: 3, inputLength: 9, outputLength: 1, hashIds: [7] },
];
const words = (s: string) => s.split(' ');

describe('trace prompts', () => {
  it('client i of N takes lines i, i + N, ... with their lengths, wrapping around the file', () => {
    const a = createTracePromptSource(entries, 4, 1, 0, 0, 2);
    const b = createTracePromptSource(entries, 4, 1, 0, 1, 2);
    expect([a(), a(), a()].map((s) => [s.inputWords, s.maxTokens])).toEqual([
      [10, 3],
      [6, 2],
      [10, 3],
    ]);
    expect([b(), b()].map((s) => [s.inputWords, s.maxTokens])).toEqual([
      [7, 5],
      [9, 1],
    ]);
  });

  it('equal hash ids give equal text on every client; the last block is cut; the rest is the request own', () => {
    const one = createTracePromptSource(entries, 4, 1, 0, 0, 1);
    const [p0, p1, p2, p3] = [one(), one(), one(), one()].map((s) => words(s.prompt));
    expect(p0).toHaveLength(10);
    expect(p1).toHaveLength(7);
    expect(p2).toHaveLength(6);
    expect(p3).toHaveLength(9);
    // Block 7 (4 words) starts lines 0, 1 and 3: the shared prefix.
    expect(p1!.slice(0, 4)).toEqual(p0!.slice(0, 4));
    expect(p3!.slice(0, 4)).toEqual(p0!.slice(0, 4));
    // Line 0: blocks 7, 8 and half of 9. Line 1: block 7 then 3 words of block 4, not of 8.
    expect(p1!.slice(4)).not.toEqual(p0!.slice(4, 7));
    // The same line on another client (4 clients: client 3 takes line 3) has the same text.
    const other = createTracePromptSource(entries, 4, 1, 0, 3, 4);
    expect(words(other().prompt).slice(0, 4)).toEqual(p3!.slice(0, 4));
  });

  it('blocks are new in each stage and with each seed', () => {
    const text = (seed: number, stage: number) =>
      createTracePromptSource(entries, 4, seed, stage, 0, 1)().prompt;
    expect(text(1, 0)).toBe(text(1, 0));
    expect(text(1, 1)).not.toBe(text(1, 0));
    expect(text(2, 0)).not.toBe(text(1, 0));
  });
});
