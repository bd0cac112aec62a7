import { describe, expect, it } from 'vitest';
import { parseCurlTrace } from './curl-trace';

// Shape of real `curl --trace-time --trace-ascii -` output (curl 7.88), two requests on one
// connection; long dump lines wrap at 64 bytes.
const trace = `13:09:59.358737 == Info:   Trying 127.0.0.1:28193...
13:09:59.358949 => Send header, 169 bytes (0xa9)
0000: POST /v1/chat/completions HTTP/1.1
0061: x-request-id: curl-1
0077: content-type: application/json
00a7: 
13:09:59.358979 => Send data, 93 bytes (0x5d)
0000: {"model":"aifb-sim","messages":[{"role":"user","content":"hi"}],
13:09:59.385152 <= Recv header, 17 bytes (0x11)
0000: HTTP/1.1 200 OK
13:09:59.385256 <= Recv data, 223 bytes (0xdf)
0000: d9
0004: data: {"id":"x","choices":[{"index":0,"delta":{"role":"assistant","cont
0044: ent":"which "},"finish_reason":null}]}..
13:09:59.389730 <= Recv data, 406 bytes (0xcb)
0000: c5
0004: data: {"id":"x","choices":[{"index":0,"delta":{"content":"a "}}]}..
0040: data: {"id":"x","choices":[{"index":0,"delta":{"content":""}}]}..
0080: data: {"id":"x","choices":[{"index":0,"delta":{"content":"b "}}]}..
13:09:59.390000 <= Recv data, 50 bytes
0000: data: {"choices":[],"usage":{"completion_tokens":3}}....data: [DONE]
13:09:59.400000 => Send header, 169 bytes (0xa9)
0061: x-request-id: curl-2
13:09:59.421000 <= Recv data, 100 bytes
0000: data: {"choices":[{"text":"z"}]}..
`;

describe('parseCurlTrace', () => {
  it('stamps each token event with the time of the read that brought it, per request id', () => {
    const [a, b, ...rest] = parseCurlTrace(trace);
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ id: 'curl-1', ok: true, measured: true, chunkMs: [26.307, 30.781, 30.781] });
    expect(b).toMatchObject({ id: 'curl-2', chunkMs: [21] });
  });

  it('marks a request that got no token as failed', () => {
    const [r] = parseCurlTrace('10:00:00.000000 => Send header, 1 bytes\n0000: x-request-id: q\n');
    expect(r).toMatchObject({ id: 'q', ok: false, chunkMs: [] });
  });
});
