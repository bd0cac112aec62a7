import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorOptionsInput } from './options';
import { type SimulatorHandle, startSimulator } from './server';

const open: SimulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function sim(options: SimulatorOptionsInput): Promise<SimulatorHandle> {
  const s = await startSimulator({ port: 0, ttftMs: 0, itlMs: 0, ...options });
  open.push(s);
  return s;
}

interface SseEvent {
  data: string;
  /** ms after the request was sent */
  at: number;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  events: SseEvent[];
}

/** A raw HTTP request that timestamps each SSE event as its bytes arrive. */
function request(
  s: SimulatorHandle,
  path: string,
  body?: string | object,
  opts: {
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    onEvent?: (e: SseEvent, req: http.ClientRequest) => void;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = typeof body === 'string' || body === undefined ? body : JSON.stringify(body);
    const method = opts.method ?? (payload === undefined ? 'GET' : 'POST');
    const req = http.request({ host: s.host, port: s.port, path, method, headers: opts.headers }, (res) => {
      const events: SseEvent[] = [];
      let text = '';
      let pending = '';
      const sse = res.headers['content-type']?.startsWith('text/event-stream');
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now() - start;
        text += chunk;
        if (!sse) return;
        pending += chunk;
        let end = pending.indexOf('\n\n');
        while (end !== -1) {
          const raw = pending.slice(0, end);
          pending = pending.slice(end + 2);
          if (!raw.startsWith('data: ')) throw new Error(`not an SSE data line: ${raw}`);
          const e = { data: raw.slice(6), at };
          events.push(e);
          opts.onEvent?.(e, req);
          end = pending.indexOf('\n\n');
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, events }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const start = performance.now();
    req.end(payload);
  });
}

const chat = (extra: object = {}) => ({
  model: 'aifb-sim',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Tell me about the weather today' },
  ],
  ...extra,
});
const CHAT_PROMPT_TOKENS = 9;

async function scrape(s: SimulatorHandle): Promise<Map<string, number>> {
  const { body } = await request(s, '/metrics');
  const values = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    values.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return values;
}

describe('streaming chat', () => {
  it('sends ceil(tokens/k) chunks, then usage, then [DONE]', async () => {
    const s = await sim({ outputTokens: 10, tokensPerChunk: 3 });
    const r = await request(
      s,
      '/v1/chat/completions',
      chat({ stream: true, stream_options: { include_usage: true } }),
    );
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(r.events.at(-1)?.data).toBe('[DONE]');

    const chunks = r.events.slice(0, -1).map((e) => JSON.parse(e.data));
    const usage = chunks.pop();
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({
      prompt_tokens: CHAT_PROMPT_TOKENS,
      completion_tokens: 10,
      total_tokens: 19,
    });

    expect(chunks).toHaveLength(Math.ceil(10 / 3));
    for (const c of chunks) {
      expect(c).toMatchObject({ object: 'chat.completion.chunk', model: 'aifb-sim', id: chunks[0].id });
      expect(c.choices).toHaveLength(1);
    }
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0].finish_reason)).toEqual([null, null, null, 'stop']);
    const text = chunks.map((c) => c.choices[0].delta.content).join('');
    expect(text.trim().split(/\s+/)).toHaveLength(10);
  });

  it.each([
    ['in one write', 0, 'content-length'],
    ['chunk by chunk', 2, 'transfer-encoding'],
  ])('streams a non-ASCII model name intact %s', async (_, itlMs, framing) => {
    const model = 'mödel-😀';
    const s = await sim({ model, itlMs, outputTokens: 3 });
    const r = await request(s, '/v1/chat/completions', chat({ model, stream: true }));
    expect(r.headers[framing]).toBeDefined();
    const chunks = r.events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks.map((c) => c.model)).toEqual([model, model, model]);
  });

  it('sends no usage chunk unless asked', async () => {
    const s = await sim({ outputTokens: 4 });
    const r = await request(s, '/v1/chat/completions', chat({ stream: true }));
    expect(r.events).toHaveLength(5);
    expect(r.body).not.toContain('usage');
  });

  // Timing here is checked only as "never early" (a busy machine can only make chunks later):
  // how close to their due time they come is measured by `npm run bench:loadgen` part (c),
  // against the simulator's own timing log, where a figure can vary without failing a test.
  it('never delivers the first token before the configured TTFT', async () => {
    const s = await sim({ ttftMs: 50, outputTokens: 2 });
    const ttfts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await request(s, '/v1/chat/completions', chat({ stream: true }));
      ttfts.push(r.events[0]!.at);
    }
    expect(Math.min(...ttfts)).toBeGreaterThanOrEqual(50 - 0.5);
  });

  it('sends every chunk of a long stream, in order, none before its due time', async () => {
    const s = await sim({ ttftMs: 20, itlMs: 2, outputTokens: 61 });
    const r = await request(s, '/v1/chat/completions', chat({ stream: true }));
    const chunks = r.events.slice(0, -1);
    expect(chunks).toHaveLength(61);
    const at = chunks.map((e) => e.at);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(at.at(-1)!).toBeGreaterThan(20 + 60 * 2 - 1);
  });

  it('sends chunks of k tokens, each after k inter-token delays', async () => {
    const s = await sim({ ttftMs: 10, itlMs: 10, outputTokens: 7, tokensPerChunk: 3 });
    const r = await request(s, '/v1/chat/completions', chat({ stream: true }));
    const chunks = r.events.slice(0, 3);
    // Chunks of 3, 3 and 1 tokens, due at 10, 40 and 50 ms.
    const words = chunks.map((e) => JSON.parse(e.data).choices[0].delta.content.trim().split(/\s+/).length);
    expect(words).toEqual([3, 3, 1]);
    const at = chunks.map((e) => e.at);
    expect(at[1]!).toBeGreaterThanOrEqual(40 - 0.5);
    expect(at[2]!).toBeGreaterThanOrEqual(50 - 0.5);
    expect(at[2]!).toBeGreaterThanOrEqual(at[1]!);
  });
});

describe('timing log', () => {
  it('records each request id and when every chunk was written', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'aifb-sim-')), 'timing.jsonl');
    const s = await sim({ ttftMs: 10, itlMs: 5, outputTokens: 4, timingLog: log });
    const r = await request(s, '/v1/chat/completions', chat({ stream: true, max_tokens: 4 }), {
      headers: { 'x-request-id': 'bench-s0-c0-1' },
    });
    await request(s, '/v1/chat/completions', chat({ stream: true, max_tokens: 3, ttft: 0 }));
    await s.close();
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { requestId: string | null; outcome: string; chunkMs: number[] });
    expect(lines.map((l) => [l.requestId, l.outcome, l.chunkMs.length])).toEqual([
      ['bench-s0-c0-1', 'finished', 4],
      [null, 'finished', 3],
    ]);
    const written = lines[0]!.chunkMs;
    // Never before its due time (10 ms + 5 ms a token, at most EARLY_MS early); later only by
    // timer slack, which the record is there to show.
    for (let i = 0; i < 4; i++) expect(written[i]).toBeGreaterThanOrEqual(10 + 5 * i - 0.5);
    // The client saw the chunks in the order the server wrote them (how closely their times
    // agree is bench:loadgen part (c)'s measure).
    expect([...written].sort((a, b) => a - b)).toEqual(written);
    expect(r.events.slice(0, -1)).toHaveLength(4);
  });
});

describe('completions', () => {
  it('returns a text_completion with usage when not streaming', async () => {
    const s = await sim({ outputTokens: 6 });
    const r = await request(s, '/v1/completions', { model: 'aifb-sim', prompt: 'one two three four' });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({ object: 'text_completion', model: 'aifb-sim' });
    expect(body.id).toMatch(/^cmpl-/);
    expect(body.choices).toHaveLength(1);
    expect(body.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop' });
    expect(body.choices[0].text.trim().split(' ')).toHaveLength(6);
    expect(body.usage).toEqual({ prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 });
  });

  it('streams text chunks', async () => {
    const s = await sim({ outputTokens: 3 });
    const r = await request(s, '/v1/completions', { prompt: 'hi', stream: true });
    const chunks = r.events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks.map((c) => c.object)).toEqual(['text_completion', 'text_completion', 'text_completion']);
    expect(chunks.every((c) => typeof c.choices[0].text === 'string')).toBe(true);
    expect(chunks[2].choices[0].finish_reason).toBe('stop');
  });

  it('caps at max_tokens with finish_reason length', async () => {
    const s = await sim({ outputTokens: 50 });
    const capped = JSON.parse((await request(s, '/v1/completions', { prompt: 'x', max_tokens: 7 })).body);
    expect(capped.usage.completion_tokens).toBe(7);
    expect(capped.choices[0].finish_reason).toBe('length');
    const free = JSON.parse((await request(s, '/v1/completions', { prompt: 'x', max_tokens: 70 })).body);
    expect(free.usage.completion_tokens).toBe(50);
    expect(free.choices[0].finish_reason).toBe('stop');
  });

  it('generates exactly max_tokens with ignore_eos, and at least min_tokens', async () => {
    const s = await sim({ outputTokens: { mean: 20, stdev: 10 } });
    for (let i = 0; i < 5; i++) {
      const r = await request(s, '/v1/chat/completions', chat({ max_tokens: 33, ignore_eos: true }));
      const body = JSON.parse(r.body);
      expect(body.usage.completion_tokens).toBe(33);
      expect(body.choices[0].message.content.trim().split(' ')).toHaveLength(33);
      const min = JSON.parse((await request(s, '/v1/completions', { prompt: 'x', min_tokens: 45 })).body);
      expect(min.usage.completion_tokens).toBeGreaterThanOrEqual(45);
    }
  });

  it('repeats output lengths for a seed', async () => {
    const lengths = async (seed: number) => {
      const s = await sim({ seed, outputTokens: { mean: 30, stdev: 10 } });
      const out: number[] = [];
      for (let i = 0; i < 6; i++) {
        out.push(
          JSON.parse((await request(s, '/v1/completions', { prompt: 'x' })).body).usage.completion_tokens,
        );
      }
      return out;
    };
    const a = await lengths(1);
    expect(await lengths(1)).toEqual(a);
    expect(await lengths(2)).not.toEqual(a);
  });
});

describe('errors and other routes', () => {
  it('answers 404 for an unknown model, like vLLM', async () => {
    const s = await sim({});
    const r = await request(s, '/v1/chat/completions', chat({ model: 'gpt-9' }));
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toEqual({
      error: {
        message: 'The model `gpt-9` does not exist.',
        type: 'NotFoundError',
        param: 'model',
        code: 404,
      },
    });
  });

  it('answers 400 for malformed JSON', async () => {
    const s = await sim({});
    const r = await request(s, '/v1/completions', '{"prompt": "x"');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error).toMatchObject({ type: 'BadRequestError', code: 400 });
  });

  it('answers 404 for unknown routes and 405 for wrong methods', async () => {
    const s = await sim({});
    const missing = await request(s, '/v2/whatever');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.code).toBe(404);
    expect((await request(s, '/v1/chat/completions')).status).toBe(405);
  });

  it('serves /health and /v1/models', async () => {
    const s = await sim({ model: 'my-model' });
    const health = await request(s, '/health');
    expect(health).toMatchObject({ status: 200, body: '' });
    const models = JSON.parse((await request(s, '/v1/models')).body);
    expect(models.object).toBe('list');
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(['my-model']);
  });
});

describe('metrics', () => {
  it('exposes vLLM metric names and counts requests', async () => {
    const s = await sim({ model: 'm1', outputTokens: 5 });
    for (let i = 0; i < 3; i++) await request(s, '/v1/completions', { prompt: 'a b', stream: true });
    await request(s, '/v1/completions', { prompt: 'a b c', max_tokens: 2 });

    const m = await scrape(s);
    const label = '{model_name="m1"}';
    expect(m.get(`vllm:num_requests_running${label}`)).toBe(0);
    expect(m.get(`vllm:num_requests_waiting${label}`)).toBe(0);
    expect(m.get(`vllm:kv_cache_usage_perc${label}`)).toBe(0);
    expect(m.get('vllm:request_success_total{model_name="m1",finished_reason="stop"}')).toBe(3);
    expect(m.get('vllm:request_success_total{model_name="m1",finished_reason="length"}')).toBe(1);
    expect(m.get(`vllm:prompt_tokens_total${label}`)).toBe(3 * 2 + 3);
    expect(m.get(`vllm:generation_tokens_total${label}`)).toBe(3 * 5 + 2);
    expect(m.get(`vllm:time_to_first_token_seconds_count${label}`)).toBe(4);
    expect(m.get(`vllm:e2e_request_latency_seconds_count${label}`)).toBe(4);
    // One observation per chunk gap: 4 per 5-token stream, 1 for the 2-token request.
    expect(m.get(`vllm:inter_token_latency_seconds_count${label}`)).toBe(3 * 4 + 1);
    expect(m.get('vllm:time_to_first_token_seconds_bucket{model_name="m1",le="+Inf"}')).toBe(4);
  });

  it('frees the slot when a client disconnects mid-stream', async () => {
    const s = await sim({ ttftMs: 5, itlMs: 20, outputTokens: 100 });
    await request(s, '/v1/chat/completions', chat({ stream: true }), {
      onEvent: (e, req) => {
        if (e.at > 0) req.destroy();
      },
    }).catch(() => undefined);
    let m = await scrape(s);
    for (let i = 0; i < 50 && m.get('vllm:num_requests_running{model_name="aifb-sim"}') !== 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      m = await scrape(s);
    }
    expect(m.get('vllm:num_requests_running{model_name="aifb-sim"}')).toBe(0);
    expect(m.get('vllm:request_success_total{model_name="aifb-sim",finished_reason="abort"}')).toBe(1);
    // The simulator keeps serving.
    expect((await request(s, '/health')).status).toBe(200);
  });

  it('queues requests beyond maxConcurrency', async () => {
    const s = await sim({ ttftMs: 60, outputTokens: 1, maxConcurrency: 1 });
    const first = request(s, '/v1/chat/completions', chat({ stream: true }));
    const second = request(s, '/v1/chat/completions', chat({ stream: true }));
    await new Promise((r) => setTimeout(r, 30));
    const during = await scrape(s);
    expect(during.get('vllm:num_requests_running{model_name="aifb-sim"}')).toBe(1);
    expect(during.get('vllm:num_requests_waiting{model_name="aifb-sim"}')).toBe(1);
    expect(during.get('vllm:kv_cache_usage_perc{model_name="aifb-sim"}')).toBe(1);

    const [a, b] = await Promise.all([first, second]);
    expect(a.events[0]!.at).toBeLessThan(90);
    // The second waited for the first, then had its own TTFT.
    expect(b.events[0]!.at).toBeGreaterThan(115);
    const after = await scrape(s);
    expect(after.get('vllm:num_requests_waiting{model_name="aifb-sim"}')).toBe(0);
    expect(after.get('vllm:num_requests_running{model_name="aifb-sim"}')).toBe(0);
  });
});
