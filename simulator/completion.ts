/**
 * OpenAI/vLLM-shaped response bodies. Pure. Streaming chunks are spliced from per-request
 * string templates because a stream can mean tens of chunks per request at >10k req/s,
 * where a JSON.stringify per chunk would dominate the server's CPU time.
 */

export type ApiKind = 'chat' | 'completions';
export type FinishReason = 'stop' | 'length';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

export function responseId(kind: ApiKind, unique: string): string {
  return kind === 'chat' ? `chatcmpl-${unique}` : `cmpl-${unique}`;
}

export interface StreamTemplate {
  /** `data: {"id":…,"model":…` — the common start of every chunk of this response. */
  head: string;
  /** Everything before the text of the first chunk (chat adds the assistant role there). */
  first: string;
  /** Everything before the text of later chunks. */
  next: string;
  /** Everything after the text, by finish reason. */
  open: string;
  stop: string;
  length: string;
}

function tail(kind: ApiKind, finish: string): string {
  const close = kind === 'chat' ? '"}' : '"';
  return `${close},"logprobs":null,"finish_reason":${finish}}]}\n\n`;
}

const TAILS = {
  chat: { open: tail('chat', 'null'), stop: tail('chat', '"stop"'), length: tail('chat', '"length"') },
  completions: {
    open: tail('completions', 'null'),
    stop: tail('completions', '"stop"'),
    length: tail('completions', '"length"'),
  },
};

// One server serves one model: remember its encoding rather than re-encoding per request.
let lastModel = '';
let lastModelJson = '""';
function modelJson(model: string): string {
  if (model !== lastModel) {
    lastModel = model;
    // \u-escaped non-ASCII keeps every streamed byte ASCII (see the engine's latin1 writes).
    lastModelJson = JSON.stringify(model).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  return lastModelJson;
}

/** `text` given to `contentChunk` must be JSON-safe (the simulator's vocabulary is). */
export function streamTemplate(kind: ApiKind, id: string, created: number, model: string): StreamTemplate {
  const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  const head = `data: {"id":"${id}","object":"${object}","created":${created},"model":${modelJson(model)}`;
  const choice = `${head},"choices":[{"index":0,`;
  // The role rides on the first content chunk (rather than a separate empty chunk) so the
  // first chunk a client sees is also the first token: TTFT is unambiguous.
  const first = kind === 'chat' ? `${choice}"delta":{"role":"assistant","content":"` : `${choice}"text":"`;
  const next = kind === 'chat' ? `${choice}"delta":{"content":"` : first;
  return { head, first, next, ...TAILS[kind] };
}

export function contentChunk(
  t: StreamTemplate,
  index: number,
  text: string,
  finish: FinishReason | null,
): string {
  const end = finish === null ? t.open : finish === 'stop' ? t.stop : t.length;
  return (index === 0 ? t.first : t.next) + text + end;
}

/** Sent after the last content chunk when `stream_options.include_usage` is set. */
export function usageChunk(t: StreamTemplate, promptTokens: number, completionTokens: number): string {
  const total = promptTokens + completionTokens;
  return `${t.head},"choices":[],"usage":{"prompt_tokens":${promptTokens},"completion_tokens":${completionTokens},"total_tokens":${total}}}\n\n`;
}

export const DONE_EVENT = 'data: [DONE]\n\n';

export interface CompletionBody {
  kind: ApiKind;
  id: string;
  created: number;
  model: string;
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
}

/** The non-streaming response. */
export function completionBody(b: CompletionBody): string {
  const choice =
    b.kind === 'chat'
      ? {
          index: 0,
          message: { role: 'assistant', content: b.text },
          logprobs: null,
          finish_reason: b.finishReason,
        }
      : { index: 0, text: b.text, logprobs: null, finish_reason: b.finishReason };
  return JSON.stringify({
    id: b.id,
    object: b.kind === 'chat' ? 'chat.completion' : 'text_completion',
    created: b.created,
    model: b.model,
    choices: [choice],
    usage: usage(b.promptTokens, b.completionTokens),
  });
}

/** vLLM's error shape; `code` is the HTTP status, as vLLM sends it. */
export function errorBody(
  status: number,
  type: string,
  message: string,
  param: string | null = null,
): string {
  return JSON.stringify({ error: { message, type, param, code: status } });
}
