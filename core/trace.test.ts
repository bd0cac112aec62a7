import { describe, expect, it } from 'vitest';
import { parseTrace, traceTimes } from './trace';

describe('parseTrace (Mooncake format)', () => {
  it('reads timestamps, lengths and hash ids, and sorts by time keeping ties in file order', () => {
    const text = [
      '{"timestamp": 10, "input_length": 700, "output_length": 52, "hash_ids": [0, 1]}',
      '',
      '{"timestamp": 0, "input_length": 12, "output_length": 3}',
      '{"timestamp": 10, "input_length": 5, "output_length": 1, "hash_ids": []}',
    ].join('\n');
    expect(parseTrace(text)).toEqual([
      { timestampMs: 0, inputLength: 12, outputLength: 3 },
      { timestampMs: 10, inputLength: 700, outputLength: 52, hashIds: [0, 1] },
      { timestampMs: 10, inputLength: 5, outputLength: 1 },
    ]);
  });

  it('names every bad line (up to 5) with its number and reason', () => {
    const text = [
      '{"timestamp": 0, "input_length": 1, "output_length": 1}',
      'not json',
      '{"timestamp": -1, "input_length": 1, "output_length": 1}',
      '{"timestamp": 1, "input_length": 0, "output_length": 1}',
      '{"timestamp": 1, "input_length": 2.5, "output_length": 1}',
      '{"timestamp": 1, "input_length": 2, "output_length": 0}',
      '{"timestamp": 1, "input_length": 2, "output_length": 1, "hash_ids": [1, -2]}',
      '[1, 2]',
    ].join('\n');
    expect(() => parseTrace(text)).toThrow(
      [
        'bad trace lines (7):',
        '  line 2: not JSON',
        '  line 3: timestamp must be a number of ms >= 0',
        '  line 4: input_length must be an integer >= 1',
        '  line 5: input_length must be an integer >= 1',
        '  line 6: output_length must be an integer >= 1',
      ].join('\n'),
    );
    expect(() => parseTrace('\n\n')).toThrow('the trace has no requests');
  });

  it('times run from the first timestamp, divided by the speed', () => {
    const entries = parseTrace(
      [
        '{"timestamp": 1000, "input_length": 1, "output_length": 1}',
        '{"timestamp": 1500, "input_length": 1, "output_length": 1}',
      ].join('\n'),
    );
    expect(Array.from(traceTimes(entries, 1))).toEqual([0, 500]);
    expect(Array.from(traceTimes(entries, 2))).toEqual([0, 250]);
  });
});
