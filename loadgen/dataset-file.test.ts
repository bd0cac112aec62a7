import { describe, expect, it } from 'vitest';
import { createFilePromptSource, parseDataset } from './dataset-file';

const take = <T>(src: () => T, n: number): T[] => Array.from({ length: n }, src);

describe('parseDataset', () => {
  it('reads plain prompts: objects with optional max_tokens, or bare strings; skips blank lines', () => {
    const text = '{"prompt": "hello there", "max_tokens": 7}\n\n"just a string"\n{"prompt":"x"}\n';
    expect(parseDataset(text, 'prompts')).toEqual([
      { prompt: 'hello there', maxTokens: 7 },
      { prompt: 'just a string' },
      { prompt: 'x' },
    ]);
  });

  it('lists bad lines with their numbers', () => {
    expect(() => parseDataset('{"prompt":"ok"}\nnot json\n{"text":"x"}\n', 'prompts')).toThrow(
      /line 2: not JSON\n\s+line 3: expected/,
    );
  });

  it('reads ShareGPT: first human turn as prompt, the reply’s words as output length', () => {
    const line = (c: unknown) => JSON.stringify({ id: 'a', conversations: c });
    const text = [
      line([
        { from: 'system', value: 'be nice' },
        { from: 'human', value: 'what is two plus two' },
        { from: 'gpt', value: 'it is four' },
        { from: 'human', value: 'thanks' },
      ]),
      line([{ from: 'gpt', value: 'no human turn: skipped' }]),
      line([{ from: 'human', value: 'no reply' }]),
    ].join('\n');
    expect(parseDataset(text, 'sharegpt')).toEqual([
      { prompt: 'what is two plus two', maxTokens: 3 },
      { prompt: 'no reply' },
    ]);
  });

  it('refuses a file with nothing usable', () => {
    expect(() => parseDataset('\n\n', 'prompts')).toThrow(/no usable entries/);
  });
});

describe('createFilePromptSource', () => {
  const entries = Array.from({ length: 10 }, (_, i) => ({ prompt: `p${i} w`, maxTokens: i + 1 }));

  it('walks a seeded shuffle per client, covering every entry once per pass', () => {
    const a = take(createFilePromptSource(entries, undefined, 1, 0, 0), 10);
    expect(new Set(a.map((s) => s.prompt)).size).toBe(10);
    expect(take(createFilePromptSource(entries, undefined, 1, 0, 0), 10)).toEqual(a);
    expect(take(createFilePromptSource(entries, undefined, 1, 0, 1), 10)).not.toEqual(a);
    const twice = take(createFilePromptSource(entries, undefined, 1, 0, 0), 20);
    expect(twice.slice(10)).toEqual(a);
    for (const s of a) {
      expect(s.inputWords).toBe(2);
      expect(s.maxTokens).toBe(Number(s.prompt.slice(1, s.prompt.indexOf(' '))) + 1);
    }
  });

  it('each stage walks the file in its own order, reproducibly', () => {
    const prompts = (stage: number) =>
      take(createFilePromptSource(entries, undefined, 1, stage, 0), 10).map((s) => s.prompt);
    expect(prompts(1)).not.toEqual(prompts(0));
    expect(prompts(2)).not.toEqual(prompts(1));
    expect(prompts(1)).toEqual(prompts(1));
    expect(new Set(prompts(1)).size).toBe(10);
  });

  it('a configured output length overrides the file; 128 when neither says', () => {
    expect(createFilePromptSource(entries, { mean: 5 }, 1, 0, 0)().maxTokens).toBe(5);
    expect(createFilePromptSource([{ prompt: 'a' }], undefined, 1, 0, 0)().maxTokens).toBe(128);
  });
});
