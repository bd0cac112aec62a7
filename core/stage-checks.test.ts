import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIntervalMs, checkIntervalMsV1, MAX_CHECKS_PER_STAGE } from './stage-checks';

const HOUR = 3600_000;
const base = { requestBound: false, oversaturationStop: false, elapsedMs: 0 };

describe('checkIntervalMs', () => {
  it('is a once-a-minute backstop, sparser past 4 hours', () => {
    expect(checkIntervalMs({ ...base, plannedMs: 30_000 })).toBe(60_000);
    expect(checkIntervalMs({ ...base, plannedMs: HOUR })).toBe(60_000);
    expect(checkIntervalMs({ ...base, plannedMs: 24 * HOUR })).toBe(6 * 60_000);
  });

  it('samples every 5 s for the over-saturation stop', () => {
    expect(checkIntervalMs({ ...base, oversaturationStop: true, plannedMs: 60_000 })).toBe(5000);
  });

  it('makes at most 240 checks of any stage with a planned end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 30 * 24 * HOUR }), fc.boolean(), (plannedMs, over) => {
        const every = checkIntervalMs({ ...base, plannedMs, oversaturationStop: over });
        expect(Math.floor(plannedMs / every)).toBeLessThanOrEqual(MAX_CHECKS_PER_STAGE);
      }),
    );
  });

  it('thins a request-bound stage out as it runs', () => {
    const at = (elapsedMs: number) =>
      checkIntervalMs({ ...base, requestBound: true, plannedMs: 0, elapsedMs });
    expect(at(0)).toBe(2000);
    expect(at(HOUR)).toBe(180_000);
    expect(at(20 * HOUR)).toBe(6 * 60_000);
  });

  it('v1 (histories from before) kept its 2 s to 60 s rule', () => {
    expect(checkIntervalMsV1({ ...base, plannedMs: HOUR })).toBe(60_000);
    expect(checkIntervalMsV1({ ...base, plannedMs: 10_000 })).toBe(2000);
  });
});
