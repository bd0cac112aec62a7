import { describe, expect, it } from 'vitest';
import { OpenAiStreamReader } from './openai-stream';

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

  it('treats a stream that ends without [DONE] as malformed', () => {
    const r = new OpenAiStreamReader();
    r.onPayload(chat({ content: 'a' }));
    expect(r.finish()).toBe('malformed_stream');
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
