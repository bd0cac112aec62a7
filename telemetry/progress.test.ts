import { describe, expect, it } from 'vitest';
import { lastWholeLine } from './progress';

describe('lastWholeLine', () => {
  it('takes the newest whole line and drops a torn one', () => {
    expect(lastWholeLine('{"a":1}\n{"a":2}\n')).toBe('{"a":2}');
    expect(lastWholeLine('{"a":1}\n{"a":2}\n{"a":')).toBe('{"a":2}');
  });

  it('trusts a first line only when the tail starts at the beginning of one', () => {
    expect(lastWholeLine('{"a":1}\n')).toBe('{"a":1}');
    expect(lastWholeLine('a":1}\n')).toBeUndefined();
    expect(lastWholeLine('a":1}\n{"a":2}\n')).toBe('{"a":2}');
    expect(lastWholeLine('')).toBeUndefined();
  });
});
