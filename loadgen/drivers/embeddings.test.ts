import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../core/histograms';
import type { LoadgenConfig } from '../../core/loadgen-protocol';
import { type SimulatorHandle, startSimulator } from '../../simulator/server';
import { runLoadgen } from '../runner';
import { validConfig } from '../testing';
import { checkEmbeddings, embeddingsPath } from './embeddings';

let sim: SimulatorHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('openai-embeddings workload', () => {
  it('keeps a /v1 prefix of the base URL', () => {
    expect(embeddingsPath('http://h:1')).toBe('/v1/embeddings');
    expect(embeddingsPath('http://h:1/v1/')).toBe('/v1/embeddings');
    expect(embeddingsPath('http://h:1/proxy/v1')).toBe('/proxy/v1/embeddings');
  });

  it('fails an answer with the wrong number of vectors, or an empty one, and counts usage', () => {
    const one = JSON.stringify({ data: [{ embedding: [0.1] }], usage: { prompt_tokens: 7 } });
    expect(checkEmbeddings(one, 1, 3)).toEqual({ ok: true, counters: { inputs: 1, tokens: 7 } });
    expect(checkEmbeddings(one, 2, 3)).toMatchObject({ ok: false, error: 'malformed_response' });
    expect(checkEmbeddings(JSON.stringify({ data: [{ embedding: [] }] }), 1, 3)).toMatchObject({ ok: false });
    expect(checkEmbeddings(JSON.stringify({ data: [{ embedding: 'AAAA' }] }), 1, 3)).toEqual({
      ok: true,
      counters: { inputs: 1, tokens: 3, usageMissing: 1 },
    });
    expect(checkEmbeddings('<html>', 1, 3)).toMatchObject({ ok: false, error: 'malformed_response' });
  });

  it('sends batches to the simulator and counts inputs and tokens exactly', async () => {
    sim = await startSimulator({ port: 0, ttftMs: { mean: 1 }, embeddingDimension: 16 });
    const config: LoadgenConfig = {
      ...validConfig,
      api: 'openai-embeddings',
      model: 'aifb-sim',
      workload: {
        kind: 'openai-embeddings',
        batchSize: { mean: 4 },
        inputTokens: { mean: 10 },
        encodingFormat: 'base64',
      },
      baseUrl: sim.url,
      clientCount: 1,
      load: { mode: 'concurrency', concurrency: 2 },
      timing: { warmupMs: 0, cooldownMs: 1000, maxRequests: 25 },
    };
    const result = await runLoadgen(config, {
      clientIndex: 0,
      outDir: mkdtempSync(join(tmpdir(), 'emb-')),
      log: () => {},
    });
    expect(result.measured).toMatchObject({ ok: 25, failed: 0 });
    // Constant batch 4 of constant 10 words: the simulator counts words as tokens.
    expect(result.workload?.counters).toEqual({ inputs: 100, tokens: 1000 });
    expect(decodeHistogram(result.histograms.e2e).totalCount).toBe(25);
  });
});
