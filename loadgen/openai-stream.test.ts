import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpenAiStreamReader, scanTokenChunk } from './openai-stream';

const chat = (delta: object) =>
  JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta }] });

describe('OpenAiStreamReader', () => {
  it('counts chat chunks with content, skips the role-only first chunk, reads final usage', () => {
    const r = new OpenAiStreamReader();
    expect(r.onPayload(chat({ role: 'assistant', content: '' }))).toBe(false);
    expect(r.onPayload(chat({ content: 'Hello' }))).toBe(true);
    expect(r.onPayload(chat({ content: ' world' }))).toBe(true);
    expect(r.onPayload(JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] }))).toBe(
      false,
    );
    expect(
      r.onPayload(JSON.stringify({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 3 } })),
    ).toBe(false);
    expect(r.onPayload('[DONE]')).toBe(false);
    expect(r.finish()).toBeNull();
    expect([r.tokenChunks, r.promptTokens, r.completionTokens, r.done]).toEqual([2, 12, 3, true]);
  });

  it("reads llama.cpp's final chunk: usage with cached tokens, and its timings", () => {
    const r = new OpenAiStreamReader();
    expect(r.onPayload(chat({ content: 'a' }))).toBe(true);
    // As llama-server sends it (whitespace and field order as in its JSON).
    const last =
      '{"choices":[{"finish_reason":"length","index":0,"delta":{}}],"created":1,"id":"c","model":"m",' +
      '"object":"chat.completion.chunk","usage":{"completion_tokens":2,"prompt_tokens":94,"total_tokens":96,' +
      '"prompt_tokens_details":{"cached_tokens":30}},"timings":{"cache_n":30,"prompt_n":64,"prompt_ms":12.5,' +
      '"prompt_per_token_ms":0.195,"prompt_per_second":5120,"predicted_n":2,"predicted_ms":7.5,' +
      '"predicted_per_token_ms":3.75,"predicted_per_second":266.7}}';
    expect(r.onPayload(last)).toBe(false);
    r.onPayload('[DONE]');
    expect(r.finish()).toBeNull();
    expect([r.promptTokens, r.cachedTokens]).toEqual([94, 30]);
    expect(r.timings).toEqual({
      promptN: 64,
      promptMs: 12.5,
      predictedN: 2,
      predictedMs: 7.5,
      predictedPerTokenMs: 3.75,
      cacheN: 30,
    });
  });

  it('reads timings in a token chunk too, and ignores a timings object missing its figures', () => {
    const r = new OpenAiStreamReader();
    const t = { prompt_n: 3, prompt_ms: 1, predicted_n: 4, predicted_ms: 8 };
    const payload = JSON.stringify({ choices: [{ delta: { content: 'x' } }], timings: t });
    expect(scanTokenChunk(payload)).toBeNull(); // the full parse sees it
    expect(r.onPayload(payload)).toBe(true);
    expect(r.timings).toEqual({
      promptN: 3,
      promptMs: 1,
      predictedN: 4,
      predictedMs: 8,
      predictedPerTokenMs: 2,
    });
    r.onPayload(JSON.stringify({ choices: [], timings: { prompt_n: 'x' } }));
    expect(r.timings?.predictedN).toBe(4);
    expect(new OpenAiStreamReader().cachedTokens).toBeNull();
  });

  it('counts reasoning chunks as token-bearing', () => {
    const r = new OpenAiStreamReader();
    expect(r.onPayload(chat({ reasoning_content: 'think' }))).toBe(true);
    expect(r.onPayload(chat({ reasoning: 'more' }))).toBe(true);
    expect(r.tokenChunks).toBe(2);
  });

  it('reads completions-style `text` chunks', () => {
    const r = new OpenAiStreamReader();
    expect(r.onPayload(JSON.stringify({ choices: [{ index: 0, text: 'abc' }] }))).toBe(true);
    expect(r.onPayload(JSON.stringify({ choices: [{ index: 0, text: '' }] }))).toBe(false);
    expect(r.tokenChunks).toBe(1);
  });

  it('marks bad JSON as malformed_stream and ignores what follows', () => {
    const r = new OpenAiStreamReader();
    r.onPayload(chat({ content: 'a' }));
    expect(r.onPayload('{"choices": [')).toBe(false);
    expect(r.onPayload(chat({ content: 'b' }))).toBe(false);
    expect(r.finish()).toBe('malformed_stream');
    expect(r.tokenChunks).toBe(1);
  });

  it('treats a stream that ends without [DONE] as an early stop', () => {
    const r = new OpenAiStreamReader();
    r.onPayload(chat({ content: 'a' }));
    expect(r.finish()).toBe('early_stop');
  });

  it('reads per-chunk token counts from cumulative usage (continuous_usage_stats)', () => {
    const r = new OpenAiStreamReader();
    const c = (content: string, n: number) =>
      JSON.stringify({
        choices: [{ delta: { content } }],
        usage: { prompt_tokens: 4, completion_tokens: n },
      });
    r.onPayload(c('a', 1));
    r.onPayload(c('b c d', 4));
    r.onPayload(JSON.stringify({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 4 } }));
    r.onPayload('[DONE]');
    expect(r.knownChunkTokens()).toEqual([1, 3]);
    const plain = new OpenAiStreamReader();
    plain.onPayload(chat({ content: 'a' }));
    expect(plain.knownChunkTokens()).toBeNull();
  });

  it('reports an in-stream error object as stream_error', () => {
    const r = new OpenAiStreamReader();
    r.onPayload(JSON.stringify({ error: { message: 'boom', code: 500 } }));
    r.onPayload('[DONE]');
    expect(r.finish()).toBe('stream_error');
    expect(r.errorDetail).toContain('boom');
  });

  it('ignores chunks after [DONE]', () => {
    const r = new OpenAiStreamReader();
    r.onPayload('[DONE]');
    expect(r.onPayload(chat({ content: 'late' }))).toBe(false);
    expect(r.tokenChunks).toBe(0);
  });
});

describe('scanTokenChunk (fast path) agrees with a full parse', () => {
  const cases: [string, boolean | null][] = [
    [chat({ content: 'hi' }), true],
    [chat({ role: 'assistant', content: '' }), false],
    [chat({ content: '"quoted" and \\ "content":"x"' }), true],
    [chat({ content: '' }), false],
    [chat({ reasoning_content: 'r' }), true],
    [chat({ reasoning: 'r' }), true],
    [JSON.stringify({ choices: [{ text: 'abc' }] }), true],
    [JSON.stringify({ choices: [{ text: '' }, { text: 'x' }] }), true],
    [JSON.stringify({ choices: [{ delta: {}, finish_reason: 'stop' }] }), false],
    // Pretty-printed JSON (whitespace around colons) keeps the fast path.
    ['{"choices": [{"delta": {"content" : "x"}}]}', true],
    ['{"choices": [{"delta": {"content": ""}}]}', false],
    [JSON.stringify({ choices: [{ delta: { content: '' } }], usage: null }), false],
    // A value that looks like a key, and an escaped key inside content, are not keys.
    [JSON.stringify({ choices: [{ delta: { content: '' }, finish_reason: 'content' }] }), false],
    // Only a full parse can tell (or must check): usage, errors, non-objects.
    [JSON.stringify({ choices: [], usage: { completion_tokens: 3 } }), null],
    [JSON.stringify({ choices: [{ delta: { content: 'x' } }], usage: { completion_tokens: 3 } }), null],
    ['{"choices":[{"delta":{"content":"x"}}],"usage" : {"completion_tokens":1}}', null],
    [JSON.stringify({ error: { message: 'x' } }), null],
    ['{"choices":[{"delta":{"content":"x"', null],
    ['<html>', null],
  ];
  it.each(cases)('%s', (payload, expected) => {
    expect(scanTokenChunk(payload)).toBe(expected);
    if (expected !== null) {
      // Same answer as the parsing path would give.
      const choices = (
        JSON.parse(payload) as { choices: { delta?: Record<string, string>; text?: string }[] }
      ).choices;
      const full = choices.some(
        (c) => !!(c.text || c.delta?.content || c.delta?.reasoning_content || c.delta?.reasoning),
      );
      expect(full).toBe(expected);
    }
  });
});

describe('onPayloadIn (a payload as a range of the read, the token chunk template)', () => {
  const head = (id: string, extra = '') =>
    `{"id":"${id}","object":"chat.completion.chunk","choices":[{"index":0,"delta":{${extra}"content":`;
  const tokenChunk = (id: string, value: string, finish = 'null', extra = '') =>
    `${head(id, extra)}${JSON.stringify(value)}},"finish_reason":${finish}}]}`;
  /** Every payload through onPayloadIn (as ranges of one text) and through onPayload: same answers. */
  const agree = (payloads: string[]) => {
    const text = payloads.join('\n');
    const ranged = new OpenAiStreamReader();
    const whole = new OpenAiStreamReader();
    let at = 0;
    for (const p of payloads) {
      expect(ranged.onPayloadIn(text, at, at + p.length), p).toBe(whole.onPayload(p));
      at += p.length + 1;
    }
    expect(ranged.finish()).toBe(whole.finish());
    const state = (r: OpenAiStreamReader) => [
      r.tokenChunks,
      r.promptTokens,
      r.completionTokens,
      r.done,
      r.error,
    ];
    expect(state(ranged)).toEqual(state(whole));
  };

  it('counts the same token chunks as onPayload, values with quotes and backslashes included', () => {
    const values = ['a', ' the', '', '"', 'x"', '\\', 'a\\', '\\\\', 'é€', '\n', '\\"', '"}]}', 'a","x":"'];
    const payloads = [tokenChunk('c1', 'hi', 'null', '"role":"assistant",')];
    for (const v of values) payloads.push(tokenChunk('c1', 'ok'), tokenChunk('c1', v));
    payloads.push(
      tokenChunk('c1', 'last', '"length"'),
      tokenChunk('c2', 'other id'),
      '{"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":16}}',
      '[DONE]',
      tokenChunk('c1', 'after done'),
    );
    agree(payloads);
  });

  it('takes the full parse for a chunk like the template but with usage, an error or a broken end', () => {
    const usage = `${head('c')}"x"},"finish_reason":null}],"usage":{"prompt_tokens":1,"completion_tokens":2}}`;
    agree([tokenChunk('c', 'a'), tokenChunk('c', 'b'), usage, '[DONE]']);
    agree([tokenChunk('c', 'a'), `${head('c')}"b"},"finish_reason":null}]`, '[DONE]']);
    agree([tokenChunk('c', 'a'), '{"error":{"message":"boom"}}']);
  });

  it('agrees with onPayload on random streams', () => {
    const alphabet = ['a', ' ', '"', '\\', '}', ']', ',', ':', 'é', 'n'];
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc
              .tuple(fc.constantFrom('c1', 'c2'), fc.array(fc.constantFrom(...alphabet), { maxLength: 6 }))
              .map(([id, cs]) => tokenChunk(id, cs.join(''))),
            fc.constantFrom(
              '[DONE]',
              '{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}',
              tokenChunk('c1', 'z', '"stop"'),
            ),
          ),
          { maxLength: 30 },
        ),
        (payloads) => agree(payloads),
      ),
    );
  });
});
