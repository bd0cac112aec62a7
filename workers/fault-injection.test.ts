import { describe, expect, it } from 'vitest';
import { parseFaultDelays } from './fault-injection';

describe('parseFaultDelays', () => {
  it('reads activity, moment and duration', () => {
    expect(parseFaultDelays('submitService:after:4s, collectMetrics:before:500ms')).toEqual([
      { activity: 'submitService', when: 'after', ms: 4000 },
      { activity: 'collectMetrics', when: 'before', ms: 500 },
    ]);
    expect(parseFaultDelays(undefined)).toEqual([]);
    expect(parseFaultDelays(' ')).toEqual([]);
  });

  it('names the bad part and the activities there are', () => {
    expect(() => parseFaultDelays('submitServce:after:4s')).toThrow(/"submitServce:after:4s".*teardown/);
    expect(() => parseFaultDelays('teardown:during:4s')).toThrow(/teardown:during:4s/);
    expect(() => parseFaultDelays('teardown:before:soon')).toThrow(/teardown:before:soon/);
  });
});
