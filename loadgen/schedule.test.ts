import { describe, expect, it } from 'vitest';
import { clientShare } from './config';
import { countBefore, createSchedule, type ScheduleSpec, scheduleTimes } from './schedule';

const spec = (over: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  mode: 'poisson',
  ratePerS: 100,
  seed: 1,
  clientIndex: 0,
  clientCount: 1,
  ...over,
});

describe('schedules', () => {
  it('are seeded: the same spec gives the same times, another seed or client others', () => {
    const a = scheduleTimes(spec(), 1000);
    expect(scheduleTimes(spec(), 1000)).toEqual(a);
    expect(scheduleTimes(spec({ seed: 2 }), 1000)).not.toEqual(a);
    expect(scheduleTimes(spec({ clientIndex: 1, clientCount: 2 }), 1000)).not.toEqual(a);
  });

  it('are non-decreasing', () => {
    for (const mode of ['constant', 'poisson'] as const) {
      const t = scheduleTimes(spec({ mode }), 10_000);
      for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThanOrEqual(t[i - 1]!);
    }
  });

  it('poisson: inter-arrival mean within 2% of 1/rate over 100k draws, and exponential spread', () => {
    const n = 100_000;
    const t = scheduleTimes(spec({ ratePerS: 1000 }), n);
    const gaps = Array.from(t, (x, i) => x - (i === 0 ? 0 : t[i - 1]!));
    const mean = gaps.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(mean - 1) / 1).toBeLessThan(0.02); // 1 ms at 1000 req/s
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(sd - mean) / mean).toBeLessThan(0.03); // exponential: stdev = mean
  });

  it('constant: N clients interleave into one evenly spaced stream of the total rate', () => {
    const rate = 50;
    const clients = 3;
    const all = Array.from({ length: clients }, (_, i) =>
      Array.from(
        scheduleTimes(spec({ mode: 'constant', ratePerS: rate, clientIndex: i, clientCount: clients }), 20),
      ),
    )
      .flat()
      .sort((a, b) => a - b);
    for (const [k, t] of all.entries()) expect(t).toBeCloseTo((k * 1000) / rate, 9);
  });

  it('exact counts: a constant rate for D seconds sends rate × D requests over all clients', () => {
    for (const clients of [1, 2, 3, 7]) {
      let total = 0;
      for (let i = 0; i < clients; i++) {
        total += countBefore(
          spec({ mode: 'constant', ratePerS: 1000, clientIndex: i, clientCount: clients }),
          10_000,
        );
      }
      expect(total).toBe(10_000);
    }
  });

  it('exact counts: a request budget caps the sends, split exactly over the clients', () => {
    const budget = 1001;
    let total = 0;
    for (let i = 0; i < 4; i++) {
      total += countBefore(
        spec({ clientIndex: i, clientCount: 4 }),
        Number.POSITIVE_INFINITY,
        clientShare(budget, 4, i),
      );
    }
    expect(total).toBe(budget);
  });

  it('poisson with N clients: the merged stream has the total rate', () => {
    let total = 0;
    for (let i = 0; i < 4; i++)
      total += countBefore(spec({ ratePerS: 2000, clientIndex: i, clientCount: 4 }), 20_000);
    expect(Math.abs(total - 40_000) / 40_000).toBeLessThan(0.02);
  });

  it('rejects a non-positive rate', () => {
    expect(() => createSchedule(spec({ ratePerS: 0 }))).toThrow(/rate/);
  });
});
