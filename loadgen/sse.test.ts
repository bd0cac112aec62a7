import { describe, expect, it } from 'vitest';
import { parseSse, SseParser } from './sse';

const stream =
  ': keep-alive comment\n\n' +
  'data: {"a":1}\n\n' +
  'event: message\r\nid: 7\r\ndata: {"b":2}\r\n\r\n' +
  'data:{"c":3}\n\n' +
  'data: line1\ndata: line2\n\n' +
  'data: [DONE]\n\n';
const expected = ['{"a":1}', '{"b":2}', '{"c":3}', 'line1\nline2', '[DONE]'];

describe('SseParser', () => {
  it('parses a whole stream in one chunk', () => {
    expect(parseSse([stream])).toEqual(expected);
  });

  it('gives the same events wherever the stream is split in two', () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(parseSse([stream.slice(0, i), stream.slice(i)]), `split at ${i}`).toEqual(expected);
    }
  });

  it('handles one-character chunks', () => {
    expect(parseSse([...stream])).toEqual(expected);
  });

  it('decodes UTF-8 sequences split across byte chunks', () => {
    const bytes = new TextEncoder().encode('data: {"t":"héllo €"}\n\n');
    const at = bytes.indexOf(0xe2) + 1; // inside the 3-byte euro sign
    expect(parseSse([bytes.subarray(0, at), bytes.subarray(at)])).toEqual(['{"t":"héllo €"}']);
  });

  it('delivers events as their blank line arrives, not before', () => {
    const p = new SseParser();
    const got: string[] = [];
    const onData = (text: string, start: number, end: number) => {
      got.push(text.slice(start, end));
    };
    p.push('data: x\n', onData);
    expect(got).toEqual([]);
    p.push('\ndata: y', onData);
    expect(got).toEqual(['x']);
  });

  it('flushes a final event that lacks its blank line at end of stream', () => {
    expect(parseSse(['data: a\n\ndata: [DONE]\n'])).toEqual(['a', '[DONE]']);
    expect(parseSse(['data: [DONE]'])).toEqual(['[DONE]']);
  });

  it('emits nothing for comment-only streams and keeps an empty data value', () => {
    expect(parseSse([':ping\n\n:ping\n\n'])).toEqual([]);
    expect(parseSse(['data:\n\n'])).toEqual(['']);
  });
});
