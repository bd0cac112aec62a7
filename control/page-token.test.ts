import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken } from './page-token';
import { ControlError } from './types';

describe('page tokens', () => {
  it('round-trips Temporal bytes; no bytes, no token', () => {
    const bytes = Buffer.from('{"StartTime":"2026-01-02T00:00:00Z","RunID":"r-1"}');
    const token = encodePageToken(bytes);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token ?? '')).toEqual(bytes);
    expect(encodePageToken(null)).toBeNull();
    expect(encodePageToken(new Uint8Array())).toBeNull();
  });

  it('refuses garbage at once, as bad input naming the field', () => {
    const good = encodePageToken(Buffer.from('0123456789')) ?? '';
    const flipped = `${good.slice(0, -2)}${good.at(-2) === 'A' ? 'B' : 'A'}${good.at(-1)}`;
    for (const token of [
      'abc',
      'AAAA',
      '____',
      'x'.repeat(400),
      'a b',
      '%2E',
      '=',
      'abc=',
      flipped,
      good.slice(1),
    ]) {
      let caught: unknown;
      try {
        decodePageToken(token);
      } catch (err) {
        caught = err;
      }
      expect(caught, token).toBeInstanceOf(ControlError);
      expect((caught as ControlError).kind).toBe('invalid-input');
      expect((caught as ControlError).message).toMatch(/^pageToken: /);
    }
  });
});
