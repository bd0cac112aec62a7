import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Answers bigger than this are cut (health answers, /metrics, /v1/models are far smaller). */
const MAX_BODY_BYTES = 4 << 20;

/**
 * GET a URL and return its status. node:http rather than fetch: fetch refuses the WHATWG
 * "bad ports" (e.g. 6000, 6667, 10080), and a service under test may listen on any of them.
 */
export async function httpStatus(url: string, timeoutMs: number): Promise<number> {
  return (await httpGet(url, timeoutMs)).status;
}

/** GET a URL: its status and body text. */
export function httpGet(
  url: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return httpCall('GET', url, timeoutMs, headers);
}

/** POST a JSON body: status and body text. */
export function httpPostJson(
  url: string,
  body: unknown,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return httpCall(
    'POST',
    url,
    timeoutMs,
    { ...headers, 'content-type': 'application/json' },
    JSON.stringify(body),
  );
}

function httpCall(
  method: string,
  url: string,
  timeoutMs: number,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY_BYTES) chunks.push(c);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
