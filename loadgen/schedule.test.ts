import { describe, expect, it } from 'vitest';
import { clientShare } from './config';
import {
  type Arrivals,
  countBefore,
  countInWindow,
  createSchedule,
  type ScheduleSpec,
  scheduleEndMs,
  scheduleTimes,
} from './schedule';

type Over = Partial<{ [K in keyof ScheduleSpec]: unknown }> & Partial<Record<string, unknown>>;
const spec = (over: Over = {}): ScheduleSpec =>
  ({ mode: 'poisson', ratePerS: 100, seed: 1, clientIndex: 0, clientCount: 1, ...over }) as ScheduleSpec;

/** Every client's times merged and sorted: the stage's whole stream. */
function merged(arrivals: Arrivals, clients: number, perClient: number, seed = 1): number[] {
  return Array.from({ length: clients }, (_, i) =>
    Array.from(scheduleTimes({ ...arrivals, seed, clientIndex: i, clientCount: clients }, perClient)),
  )
    .flat()
    .filter((t) => Number.isFinite(t))
    .sort((a, b) => a - b);
}

function stats(xs: number[]) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, cv: sd / mean };
}
const gapsOf = (t: ArrayLike<number>) => Array.from(t, (x, i) => x - (i === 0 ? 0 : t[i - 1]!));

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
    expect(() => createSchedule(spec({ mode: 'gamma', burstiness: 0 }))).toThrow(/burstiness/);
    expect(() => createSchedule(spec({ mode: 'bursts', burstSize: 0, periodMs: 10 }))).toThrow(/burst size/);
    expect(() => createSchedule(spec({ mode: 'ramp', fromPerS: 0, toPerS: 0, spanMs: 10 }))).toThrow(/ramp/);
  });
});

describe('gamma arrivals (vLLM bench burstiness: shape = burstiness, scale = 1 / (rate × burstiness))', () => {
  it.each([0.25, 1, 4])('burstiness %s: mean gap 1/rate within 2%, CV 1/√burstiness within 5%', (b) => {
    const t = scheduleTimes(spec({ mode: 'gamma', ratePerS: 1000, burstiness: b }), 100_000);
    const { mean, cv } = stats(gapsOf(t));
    expect(Math.abs(mean - 1)).toBeLessThan(0.02); // 1 ms at 1000 req/s
    expect(Math.abs(cv - 1 / Math.sqrt(b)) / (1 / Math.sqrt(b))).toBeLessThan(0.05);
  });

  it('N clients split ONE stream exactly: merged, they are the single client stream', () => {
    const one = merged({ mode: 'gamma', ratePerS: 200, burstiness: 0.5 }, 1, 3000);
    for (const clients of [2, 3, 7]) {
      const all = merged(
        { mode: 'gamma', ratePerS: 200, burstiness: 0.5 },
        clients,
        Math.ceil(3000 / clients),
      );
      expect(all.slice(0, 2990)).toEqual(one.slice(0, 2990));
    }
  });

  it('is seeded', () => {
    const a = scheduleTimes(spec({ mode: 'gamma', burstiness: 0.5 }), 100);
    expect(scheduleTimes(spec({ mode: 'gamma', burstiness: 0.5 }), 100)).toEqual(a);
    expect(scheduleTimes(spec({ mode: 'gamma', burstiness: 0.5, seed: 9 }), 100)).not.toEqual(a);
  });
});

describe('bursts', () => {
  it('sends burstSize at once every period, split exactly over the clients', () => {
    for (const clients of [1, 2, 3, 8]) {
      const all = merged({ mode: 'bursts', burstSize: 5, periodMs: 100 }, clients, 50);
      const firstTen = all.slice(0, 50);
      for (const [j, t] of firstTen.entries()) expect(t).toBe(Math.floor(j / 5) * 100);
      let total = 0;
      for (let i = 0; i < clients; i++)
        total += countInWindow(
          { mode: 'bursts', burstSize: 5, periodMs: 100, seed: 1, clientIndex: i, clientCount: clients },
          0,
          1000,
        );
      expect(total).toBe(50); // 10 bursts of 5 in [0, 1 s)
    }
  });
});

describe('ramp', () => {
  const ramp = { mode: 'ramp', fromPerS: 10, toPerS: 30, spanMs: 10_000 } as const;

  it('sends the integral of the rate: (10 + 30) / 2 × 10 s = 200 requests, over any client count', () => {
    for (const clients of [1, 2, 3, 7]) {
      let total = 0;
      for (let i = 0; i < clients; i++)
        total += countBefore({ ...ramp, seed: 1, clientIndex: i, clientCount: clients }, 10_000);
      expect(total).toBe(200);
    }
  });

  it('its rate rises linearly: 10/s in the first second, 30/s in the last, 20/s in the middle', () => {
    const s = { ...ramp, seed: 1, clientIndex: 0, clientCount: 1 };
    // Λ(t) = 10t + t²: 11 in [0, 1 s), 29 in [9, 10 s), 20 in [4.5, 5.5 s).
    expect(countInWindow(s, 0, 1000)).toBe(11);
    expect(countInWindow(s, 9000, 10_000)).toBe(29);
    expect(countInWindow(s, 4500, 5500)).toBe(20);
    expect(scheduleEndMs(s)).toBe(10_000);
  });

  it('a flat ramp is the constant schedule, and a falling one ends when its rate reaches 0', () => {
    const flat = scheduleTimes({ ...ramp, toPerS: 10, seed: 1, clientIndex: 0, clientCount: 1 }, 50);
    const constant = scheduleTimes(spec({ mode: 'constant', ratePerS: 10 }), 50);
    for (let k = 0; k < 50; k++) expect(flat[k]).toBeCloseTo(constant[k]!, 9);
    const down = { mode: 'ramp', fromPerS: 20, toPerS: 0, spanMs: 10_000 } as const;
    // Λ(10 s) = 100: arrivals 0..99 before the end, the 100th exactly at the end, then none.
    const s = { ...down, seed: 1, clientIndex: 0, clientCount: 1 };
    expect(countBefore(s, Number.POSITIVE_INFINITY, 1000)).toBe(101);
    expect(countBefore(s, 10_000)).toBe(100);
    expect(scheduleTimes(s, 101)[100]).toBe(10_000);
  });

  it('a ramp from 0 starts at 0 and sends Λ(T) = T × to / 2', () => {
    const s = {
      mode: 'ramp',
      fromPerS: 0,
      toPerS: 100,
      spanMs: 2000,
      seed: 1,
      clientIndex: 0,
      clientCount: 1,
    } as const;
    expect(scheduleTimes(s, 1)[0]).toBe(0);
    expect(countBefore(s, 2000)).toBe(100);
  });
});

describe('trace', () => {
  const times = Float64Array.from([0, 0, 5, 10, 10, 10, 30, 100]);

  it('client i of N takes entries i, i + N, ... at their times, then ends', () => {
    for (const clients of [1, 2, 3, 8, 11]) {
      expect(merged({ mode: 'trace', timesMs: times }, clients, 20)).toEqual(Array.from(times));
      for (let i = 0; i < clients; i++) {
        const t = scheduleTimes(
          { mode: 'trace', timesMs: times, seed: 1, clientIndex: i, clientCount: clients },
          20,
        );
        const own = Array.from(times).filter((_, k) => k % clients === i);
        expect(Array.from(t.slice(0, own.length))).toEqual(own);
        expect(t[own.length]).toBe(Number.POSITIVE_INFINITY);
      }
    }
  });

  it('ends one mean gap after its last send, so a window to the end holds every request', () => {
    const s = { mode: 'trace', timesMs: times, seed: 1, clientIndex: 0, clientCount: 1 } as const;
    expect(scheduleEndMs(s)).toBeCloseTo(100 + 100 / 7, 9);
    expect(countInWindow(s, 0, scheduleEndMs(s))).toBe(8);
    expect(scheduleEndMs({ ...s, timesMs: [0] })).toBe(1);
  });
});
