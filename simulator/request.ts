/**
 * Reads the parts of an OpenAI request body the simulator acts on. Pure. Validation is
 * hand-rolled (not zod) because it runs once per request on the hot path, and is lenient
 * about fields it ignores (temperature, n, stop, …) as a load-test target should be.
 */
import type { ApiKind, FinishReason } from './completion';
import { countWords } from './tokens';

export interface SimRequest {
  stream: boolean;
  includeUsage: boolean;
  promptTokens: number;
  maxTokens?: number;
  minTokens?: number;
  ignoreEos: boolean;
}

export interface RequestError {
  status: number;
  type: string;
  message: string;
  param: string | null;
}

const badRequest = (message: string, param: string | null = null): RequestError => ({
  status: 400,
  type: 'BadRequestError',
  message,
  param,
});

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Word count of a chat message's content: a string, or text parts (others are ignored). */
function contentWords(content: unknown): number {
  if (typeof content === 'string') return countWords(content);
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) {
    if (isObject(part) && typeof part.text === 'string') n += countWords(part.text);
  }
  return n;
}

/** A string, a batch of strings, or pre-tokenised ids (one id = one token). */
function promptWords(prompt: unknown): number | undefined {
  if (typeof prompt === 'string') return countWords(prompt);
  if (!Array.isArray(prompt)) return undefined;
  let n = 0;
  for (const p of prompt) {
    if (typeof p === 'string') n += countWords(p);
    else if (typeof p === 'number') n += 1;
    else if (Array.isArray(p)) n += p.length;
    else return undefined;
  }
  return n;
}

function optionalInt(
  body: Record<string, unknown>,
  key: string,
  min: number,
): number | RequestError | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    return badRequest(`${key} must be an integer >= ${min}`, key);
  }
  return v;
}

/** Parses and validates a completion request body; `text` is the raw JSON. */
export function parseRequest(kind: ApiKind, text: string, servedModel: string): SimRequest | RequestError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return badRequest(`Invalid JSON body: ${(e as Error).message}`);
  }
  if (!isObject(body)) return badRequest('Request body must be a JSON object');

  if (body.model !== undefined && body.model !== servedModel) {
    return {
      status: 404,
      type: 'NotFoundError',
      message: `The model \`${String(body.model)}\` does not exist.`,
      param: 'model',
    };
  }

  let promptTokens: number;
  if (kind === 'chat') {
    if (!Array.isArray(body.messages)) return badRequest('messages must be an array', 'messages');
    // Summing per message equals counting all contents joined with spaces.
    promptTokens = 0;
    for (const m of body.messages) {
      if (!isObject(m)) return badRequest('each message must be an object', 'messages');
      promptTokens += contentWords(m.content);
    }
  } else {
    const n = promptWords(body.prompt);
    if (n === undefined) return badRequest('prompt must be a string or an array', 'prompt');
    promptTokens = n;
  }

  // Chat prefers the newer name, as vLLM does.
  const maxCompletion = kind === 'chat' ? optionalInt(body, 'max_completion_tokens', 1) : undefined;
  if (typeof maxCompletion === 'object') return maxCompletion;
  const maxTokens = maxCompletion ?? optionalInt(body, 'max_tokens', 1);
  if (typeof maxTokens === 'object') return maxTokens;
  const minTokens = optionalInt(body, 'min_tokens', 0);
  if (typeof minTokens === 'object') return minTokens;
  if (minTokens !== undefined && maxTokens !== undefined && minTokens > maxTokens) {
    return badRequest('min_tokens must be less than or equal to max_tokens', 'min_tokens');
  }

  const stream = body.stream === true;
  const streamOptions = body.stream_options;
  return {
    stream,
    includeUsage: stream && isObject(streamOptions) && streamOptions.include_usage === true,
    promptTokens,
    maxTokens,
    minTokens,
    ignoreEos: body.ignore_eos === true,
  };
}

export function isRequestError(r: SimRequest | RequestError): r is RequestError {
  return 'status' in r;
}

/**
 * Final output length and finish reason for a sampled length. A sample at or beyond
 * `max_tokens` reports `length`: the model would still have been generating.
 */
export function planOutput(
  sampled: number,
  req: Pick<SimRequest, 'maxTokens' | 'minTokens' | 'ignoreEos'>,
): { tokens: number; finishReason: FinishReason } {
  const max = req.maxTokens;
  // ignore_eos without max_tokens would run to the context limit on vLLM; we have none, so
  // the sampled length stands.
  if (req.ignoreEos && max !== undefined) return { tokens: max, finishReason: 'length' };
  const wanted = Math.max(sampled, req.minTokens ?? 0, 1);
  if (max !== undefined && wanted >= max) return { tokens: max, finishReason: 'length' };
  return { tokens: wanted, finishReason: 'stop' };
}
