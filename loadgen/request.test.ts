import { describe, expect, it } from 'vitest';
import { buildRequestBody, classifyError, endpointPath, requestHeaders } from './request';
import { validConfig } from './testing';

describe('endpointPath', () => {
  it('adds /v1 unless the base URL already ends with it', () => {
    expect(endpointPath('http://h:8000', 'openai-chat')).toBe('/v1/chat/completions');
    expect(endpointPath('http://h:8000/v1/', 'openai-completions')).toBe('/v1/completions');
    expect(endpointPath('http://h/proxy', 'openai-chat')).toBe('/proxy/v1/chat/completions');
  });
});

describe('buildRequestBody', () => {
  const sample = { prompt: 'a b c', inputWords: 3, maxTokens: 9 };
  it('builds a streaming chat body asking for exactly max_tokens', () => {
    expect(JSON.parse(buildRequestBody({ ...validConfig, temperature: 0 }, sample))).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'a b c' }],
      max_tokens: 9,
      min_tokens: 9,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0,
    });
  });
  it('puts a system prompt and a session history before the prompt (chat), or the system text first (completions)', () => {
    const turn = {
      ...sample,
      system: 'you are "terse"',
      history: [
        { role: 'user' as const, content: 'hi' },
        { role: 'assistant' as const, content: 'hello\nthere' },
      ],
    };
    expect(JSON.parse(buildRequestBody(validConfig, turn)).messages).toEqual([
      { role: 'system', content: 'you are "terse"' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello\nthere' },
      { role: 'user', content: 'a b c' },
    ]);
    const completions = { ...validConfig, api: 'openai-completions' as const };
    expect(JSON.parse(buildRequestBody(completions, { ...sample, system: 'sys' })).prompt).toBe(
      'sys\n\na b c',
    );
  });
  it("sends cache_prompt false only when told to defeat llama.cpp's prompt cache", () => {
    const off = { ...validConfig, promptCache: { mode: 'cache_prompt_false' as const } };
    expect(JSON.parse(buildRequestBody(off, sample)).cache_prompt).toBe(false);
    for (const mode of ['allow', 'unique_prefix'] as const) {
      expect(
        'cache_prompt' in JSON.parse(buildRequestBody({ ...validConfig, promptCache: { mode } }, sample)),
      ).toBe(false);
    }
  });
  it('without exactOutputLength asks for max_tokens only', () => {
    const cfg = { ...validConfig, dataset: { ...validConfig.dataset, exactOutputLength: false } };
    const body = JSON.parse(buildRequestBody(cfg, sample));
    expect(body.max_tokens).toBe(9);
    expect('min_tokens' in body || 'ignore_eos' in body).toBe(false);
  });
  it('sends the API key from the environment as a bearer token', () => {
    expect(requestHeaders('sk-1').authorization).toBe('Bearer sk-1');
    expect('authorization' in requestHeaders()).toBe(false);
  });
  it('uses prompt for completions; extraBody overrides, null removes', () => {
    const cfg = {
      ...validConfig,
      api: 'openai-completions' as const,
      extraBody: { top_p: 0.9, ignore_eos: null },
    };
    const body = JSON.parse(buildRequestBody(cfg, sample));
    expect(body.prompt).toBe('a b c');
    expect(body.messages).toBeUndefined();
    expect(body.top_p).toBe(0.9);
    expect('ignore_eos' in body).toBe(false);
  });
  it('keeps extraBody overrides of the per-request fields and escapes the prompt', () => {
    const body = JSON.parse(
      buildRequestBody(
        { ...validConfig, extraBody: { max_tokens: 5 } },
        {
          ...sample,
          prompt: 'say "hi"\n\u0000',
        },
      ),
    );
    expect(body.max_tokens).toBe(5);
    expect(body.min_tokens).toBe(9);
    expect(body.messages[0].content).toBe('say "hi"\n\u0000');
  });
});

describe('classifyError', () => {
  it('maps undici and socket errors to kinds', () => {
    const e = (code: string) => Object.assign(new Error(code), { code });
    expect(classifyError(e('ECONNREFUSED'))).toBe('connection_refused');
    expect(classifyError(e('ECONNRESET'))).toBe('connection_reset');
    expect(classifyError(e('UND_ERR_SOCKET'))).toBe('connection_reset');
    expect(classifyError(e('EHOSTUNREACH'))).toBe('connection');
    expect(classifyError(e('UND_ERR_CONNECT_TIMEOUT'))).toBe('connection');
    expect(classifyError(e('UND_ERR_HEADERS_TIMEOUT'))).toBe('timeout');
    expect(classifyError(e('UND_ERR_BODY_TIMEOUT'))).toBe('timeout');
    expect(classifyError(e('HPE_INVALID_CHUNK_SIZE'))).toBe('malformed_stream');
    expect(classifyError(new Error('no code'))).toBe('other');
  });
});
