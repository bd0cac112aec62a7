import { request } from 'node:http';

/**
 * GET a URL and return its status. node:http rather than fetch: fetch refuses the WHATWG
 * "bad ports" (e.g. 6000, 6667, 10080), and a service under test may listen on any of them.
 */
export function httpStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
