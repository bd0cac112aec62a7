/**
 * `/v1/embeddings` as OpenAI (and vLLM, llama.cpp) serve it: one vector per input, a `usage`
 * with the inputs' token count (words, as the simulator counts tokens). Each vector is a pure
 * function of its text (unit length), so equal inputs embed equally; the answer comes after
 * a per-request time (the TTFT distribution, the "prefill") plus a per-token time.
 */
import { createHash } from 'node:crypto';
import { errorBody } from './completion';
import { countWords } from './tokens';

export interface EmbeddingRequest {
  inputs: string[];
  base64: boolean;
  dimensions: number;
}

export type EmbeddingParse =
  | { ok: true; request: EmbeddingRequest }
  | { ok: false; status: number; body: string };

const MAX_INPUTS = 2048;

/** Validates an embeddings body the way OpenAI answers mistakes: 400 with the parameter named. */
export function parseEmbeddingRequest(body: string, model: string, dimension: number): EmbeddingParse {
  const bad = (message: string, param: string | null, status = 400): EmbeddingParse => ({
    ok: false,
    status,
    body: errorBody(status, status === 404 ? 'NotFoundError' : 'BadRequestError', message, param),
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return bad('request body is not valid JSON', null);
  }
  if (parsed === null || typeof parsed !== 'object') return bad('request body must be a JSON object', null);
  const b = parsed as { model?: unknown; input?: unknown; encoding_format?: unknown; dimensions?: unknown };
  if (b.model !== undefined && b.model !== model)
    return bad(`The model \`${String(b.model)}\` does not exist.`, 'model', 404);
  const inputs = typeof b.input === 'string' ? [b.input] : b.input;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((i) => typeof i === 'string'))
    return bad('input must be a string or a non-empty array of strings', 'input');
  if (inputs.length > MAX_INPUTS) return bad(`at most ${MAX_INPUTS} inputs per request`, 'input');
  if (b.encoding_format !== undefined && b.encoding_format !== 'float' && b.encoding_format !== 'base64')
    return bad('encoding_format must be float or base64', 'encoding_format');
  let dimensions = dimension;
  if (b.dimensions !== undefined) {
    if (
      typeof b.dimensions !== 'number' ||
      !Number.isInteger(b.dimensions) ||
      b.dimensions < 1 ||
      b.dimensions > dimension
    )
      return bad(`dimensions must be an integer in [1, ${dimension}]`, 'dimensions');
    dimensions = b.dimensions;
  }
  return {
    ok: true,
    request: { inputs: inputs as string[], base64: b.encoding_format === 'base64', dimensions },
  };
}

/** A unit vector from the text's hash (SHA-256 stretched by counter mode): deterministic, cheap. */
export function embedText(text: string, dimensions: number): Float32Array {
  const v = new Float32Array(dimensions);
  let filled = 0;
  for (let block = 0; filled < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}\0${text}`).digest();
    for (let i = 0; i + 1 < digest.length && filled < dimensions; i += 2)
      v[filled++] = digest.readInt16LE(i) / 32768;
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

export function tokenCount(request: EmbeddingRequest): number {
  return request.inputs.reduce((n, text) => n + countWords(text), 0);
}

export function embeddingResponse(request: EmbeddingRequest, model: string): string {
  const data = request.inputs.map((text, index) => {
    const v = embedText(text, request.dimensions);
    const embedding = request.base64 ? Buffer.from(v.buffer).toString('base64') : Array.from(v);
    return { object: 'embedding', index, embedding };
  });
  const tokens = tokenCount(request);
  return JSON.stringify({
    object: 'list',
    data,
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}
