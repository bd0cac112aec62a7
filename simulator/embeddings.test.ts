import { afterEach, describe, expect, it } from 'vitest';
import { embedText, parseEmbeddingRequest } from './embeddings';
import { type SimulatorHandle, startSimulator } from './server';

let sim: SimulatorHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const post = (body: unknown) =>
  fetch(`${sim!.url}/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('simulator /v1/embeddings', () => {
  it('answers one unit vector per input, deterministic per text, with usage in words', async () => {
    sim = await startSimulator({ port: 0, ttftMs: { mean: 0 }, embeddingDimension: 8 });
    const res = await post({ model: 'aifb-sim', input: ['a b c', 'hello', 'a b c'] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { index: number; embedding: number[] }[]; usage: unknown };
    expect(body.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(body.data[0]!.embedding).toHaveLength(8);
    expect(body.data[0]!.embedding).toEqual(body.data[2]!.embedding);
    expect(body.data[0]!.embedding).not.toEqual(body.data[1]!.embedding);
    const norm = Math.hypot(...body.data[1]!.embedding);
    expect(norm).toBeCloseTo(1, 5);
    expect(body.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
  });

  it('encodes base64 float32 when asked, and shortens to dimensions', async () => {
    sim = await startSimulator({ port: 0, ttftMs: { mean: 0 }, embeddingDimension: 8 });
    const res = await post({ input: 'x', encoding_format: 'base64', dimensions: 4 });
    const body = (await res.json()) as { data: { embedding: string }[] };
    const v = new Float32Array(Uint8Array.from(Buffer.from(body.data[0]!.embedding, 'base64')).buffer);
    expect(Array.from(v)).toEqual(Array.from(embedText('x', 4)));
  });

  it('refuses bad bodies the way OpenAI does: 400 naming the parameter, 404 for another model', async () => {
    sim = await startSimulator({ port: 0 });
    expect((await post({ input: [] })).status).toBe(400);
    expect((await post({ input: 'x', encoding_format: 'int8' })).status).toBe(400);
    expect((await post({ model: 'other', input: 'x' })).status).toBe(404);
    expect(parseEmbeddingRequest('{', 'm', 8)).toMatchObject({ ok: false, status: 400 });
  });
});
