import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GROUPS_PER_ROUND, MIN_PASS_MS, relayIntervals, TokenBucket } from './relay-budget';

const budget = { passesPerS: 100, pushesPerS: 50, statusQueriesPerS: 20, pushIntervalMs: 2000 };

describe('relayIntervals', () => {
  it('keeps the configured pace while the budgets allow it', () => {
    expect(relayIntervals(1, budget)).toEqual({ passMs: MIN_PASS_MS, pushMs: 2000, statusMs: 2000 });
    expect(relayIntervals(0, budget).pushMs).toBe(2000);
  });

  it('slows each benchmark down as more run, never past the budgets', () => {
    const at1000 = relayIntervals(1000, budget);
    expect(at1000).toEqual({ passMs: 10_000, pushMs: 80_000, statusMs: 50_000 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), (n) => {
        const i = relayIntervals(n, budget);
        expect((n * 1000) / i.passMs).toBeLessThanOrEqual(budget.passesPerS + 1e-9);
        expect((n * GROUPS_PER_ROUND * 1000) / i.pushMs).toBeLessThanOrEqual(budget.pushesPerS + 1e-9);
        expect((n * 1000) / i.statusMs).toBeLessThanOrEqual(budget.statusQueriesPerS + 1e-9);
      }),
    );
  });
});

describe('TokenBucket', () => {
  it('grants a burst at once, then one token per 1/rate seconds, in call order', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, () => now);
    expect([bucket.take(), bucket.take()]).toEqual([0, 0]);
    expect([bucket.take(), bucket.take()]).toEqual([100, 200]);
    now = 1000; // refilled to the burst, minus what the two waiters were promised
    expect(bucket.take()).toBe(0);
  });

  it('tryTake skips instead of owing', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 1, () => now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, false, false]);
    now = 100;
    expect(bucket.tryTake()).toBe(true);
  });

  it('never hands out more than rate x time + burst', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 200 }), (gaps) => {
        let now = 0;
        const bucket = new TokenBucket(20, 5, () => now);
        let spentBy = 0;
        for (const gap of gaps) {
          now += gap;
          spentBy = Math.max(spentBy, now + bucket.take());
        }
        // Every grant's spend time fits the rate: n tokens need (n - burst) / rate seconds.
        expect(spentBy).toBeGreaterThanOrEqual(((gaps.length - 5) * 1000) / 20 - 1);
      }),
    );
  });
});
