import { describe, expect, it } from 'vitest';
import { AllocMeter, allocatedBetween } from './alloc-meter';

describe('allocatedBetween', () => {
  it('sums the used heap rises up to each collection and after the last one', () => {
    // 10 MB at start; 15 before the first GC (5 allocated), 11 after; 20 before the second
    // (9 allocated), 12 after; 14 at the end (2 allocated).
    const MB = 1e6;
    const gcs = [
      { before: 15 * MB, after: 11 * MB },
      { before: 20 * MB, after: 12 * MB },
    ];
    expect(allocatedBetween(10 * MB, gcs, 14 * MB)).toBe(16 * MB);
    expect(allocatedBetween(10 * MB, [], 13 * MB)).toBe(3 * MB);
  });
});

describe('AllocMeter', () => {
  it('counts allocations through garbage collections', () => {
    const meter = new AllocMeter();
    const start = meter.read();
    // 80 MB of short-lived arrays (125 doubles, 1 KB each): far more than the young generation,
    // so collections run. A ring keeps the last 100, so none can be optimised away.
    const ring: number[][] = [];
    for (let i = 0; i < 80_000; i++) ring[i % 100] = new Array<number>(125).fill(i + 0.5);
    const bytes = meter.stop() - start;
    expect(ring[99]![0]).toBe(79_999.5);
    expect(bytes).toBeGreaterThan(75e6);
    expect(bytes).toBeLessThan(400e6);
    expect(meter.stop()).toBe(meter.read()); // stopped: the count stays
  });
});
