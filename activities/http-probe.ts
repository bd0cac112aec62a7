import { request } from 'node:http';

/**
 * GET a URL and return its status. node:http rather than fetch: fetch refuses the WHATWG
 * "bad ports" (e.g. 6000, 6667, 10080), and a service under test may listen on any of them.
 */
export async function httpStatus(url: string, timeoutMs: number): Promise<number> {
  return (await httpGet(url, timeoutMs)).status;
}

/** GET a URL: its status and body text (bodies here are small: health answers, /metrics). */
export function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
