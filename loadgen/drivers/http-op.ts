/**
 * One plain (non-streaming) HTTP request as an operation outcome: the building block of every
 * HTTP-speaking non-LLM driver (http, embeddings, vector stores). The response body is read in
 * full (so the connection is reusable) and handed to `check` on success.
 */
import type { Dispatcher, Pool } from 'undici';
import type { OpResult } from '../driver';
import { classifyError } from '../request';

export interface HttpCall {
  method: Dispatcher.HttpMethod;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * `ok(status)` decides success (default 2xx; failure kind `http_<status>`); `check` reads an ok
 * body and may turn it into a failure or add counters (e.g. vectors returned, tokens).
 */
export async function httpOp(
  pool: Pool,
  call: HttpCall,
  signal: AbortSignal,
  options: {
    ok?: (status: number) => boolean;
    check?: (body: string) => OpResult;
    class?: string;
  } = {},
): Promise<OpResult> {
  const cls = options.class !== undefined ? { class: options.class } : {};
  try {
    const res = await pool.request({ ...call, signal });
    const text = await res.body.text();
    const ok = options.ok ?? ((s: number) => s >= 200 && s < 300);
    if (!ok(res.statusCode))
      return { ok: false, error: `http_${res.statusCode}`, detail: text.slice(0, 200), ...cls };
    return options.check ? { ...cls, ...options.check(text) } : { ok: true, ...cls };
  } catch (err) {
    // An abort is the runner's (timeout or stop): PendingOp has settled it already.
    return { ok: false, error: classifyError(err), detail: String((err as Error)?.message ?? err), ...cls };
  }
}
