import { describe, expect, it } from 'vitest';
import { isRequestError, parseRequest, planOutput, type SimRequest } from './request';
import { countWords } from './tokens';

describe('countWords', () => {
  it('counts whitespace-separated words', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('   ')).toBe(0);
    expect(countWords('one')).toBe(1);
    expect(countWords('  two\twords\n')).toBe(2);
    expect(countWords('a\u00a0b\u3000c d')).toBe(4);
  });
});

function ok(r: ReturnType<typeof parseRequest>): SimRequest {
  if (isRequestError(r)) throw new Error(`unexpected error: ${r.message}`);
  return r;
}

describe('parseRequest', () => {
  it('counts chat prompt tokens over all messages, including text parts', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'three more words' }, { type: 'image_url' }] },
      ],
      stream: true,
      stream_options: { include_usage: true },
    };
    const r = ok(parseRequest('chat', JSON.stringify(body), 'm'));
    expect(r).toMatchObject({ promptTokens: 5, stream: true, includeUsage: true, ignoreEos: false });
  });

  it('accepts completion prompts as strings, batches and token ids', () => {
    expect(ok(parseRequest('completions', '{"prompt":"a b c"}', 'm')).promptTokens).toBe(3);
    expect(ok(parseRequest('completions', '{"prompt":["a b","c"]}', 'm')).promptTokens).toBe(3);
    expect(ok(parseRequest('completions', '{"prompt":[1,2,3,4]}', 'm')).promptTokens).toBe(4);
  });

  it('reads length controls, preferring max_completion_tokens for chat', () => {
    const r = ok(
      parseRequest('chat', '{"messages":[],"max_tokens":9,"max_completion_tokens":4,"min_tokens":2}', 'm'),
    );
    expect(r).toMatchObject({ maxTokens: 4, minTokens: 2 });
    expect(
      ok(parseRequest('completions', '{"prompt":"x","max_tokens":9,"ignore_eos":true}', 'm')),
    ).toMatchObject({
      maxTokens: 9,
      ignoreEos: true,
    });
  });

  it('ignores include_usage on non-streaming requests', () => {
    const r = ok(parseRequest('chat', '{"messages":[],"stream_options":{"include_usage":true}}', 'm'));
    expect(r.includeUsage).toBe(false);
  });

  it.each([
    ['{"messages":', 400, 'BadRequestError'],
    ['[1]', 400, 'BadRequestError'],
    ['{"prompt":"x"}', 400, 'BadRequestError'],
    ['{"messages":[],"max_tokens":0}', 400, 'BadRequestError'],
    ['{"messages":[],"max_tokens":2.5}', 400, 'BadRequestError'],
    ['{"messages":[],"max_tokens":2,"min_tokens":3}', 400, 'BadRequestError'],
    ['{"model":"other","messages":[]}', 404, 'NotFoundError'],
  ])('rejects %s with %i', (body, status, type) => {
    const r = parseRequest('chat', body, 'm');
    expect(isRequestError(r) && { status: r.status, type: r.type }).toEqual({ status, type });
  });

  it('names the unknown model like vLLM', () => {
    const r = parseRequest('completions', '{"model":"x","prompt":"p"}', 'm');
    expect(isRequestError(r) && r.message).toBe('The model `x` does not exist.');
  });
});

describe('planOutput', () => {
  const base = { ignoreEos: false };
  it('keeps the sampled length below max_tokens', () => {
    expect(planOutput(5, { ...base, maxTokens: 8 })).toEqual({ tokens: 5, finishReason: 'stop' });
    expect(planOutput(5, base)).toEqual({ tokens: 5, finishReason: 'stop' });
  });

  it('caps at max_tokens with finish reason length', () => {
    expect(planOutput(50, { ...base, maxTokens: 8 })).toEqual({ tokens: 8, finishReason: 'length' });
  });

  it('honours min_tokens and ignore_eos', () => {
    expect(planOutput(5, { ...base, minTokens: 7 })).toEqual({ tokens: 7, finishReason: 'stop' });
    expect(planOutput(5, { ignoreEos: true, maxTokens: 12 })).toEqual({ tokens: 12, finishReason: 'length' });
    expect(planOutput(50, { ignoreEos: true, maxTokens: 12 })).toEqual({
      tokens: 12,
      finishReason: 'length',
    });
  });
});
