import { describe, expect, it } from 'vitest';
import { InflightSlots } from './inflight';

describe('InflightSlots', () => {
  it('adds, gets, deletes and reuses freed slots', () => {
    const s = new InflightSlots<{ id: number }>();
    const a = { id: 1 };
    const b = { id: 2 };
    const sa = s.add(a);
    const sb = s.add(b);
    expect(s.size).toBe(2);
    expect(s.get(sa)).toBe(a);
    expect(s.get(sb)).toBe(b);
    s.delete(sa);
    expect(s.size).toBe(1);
    expect(() => s.get(sa)).toThrow(/empty/);
    const c = { id: 3 };
    expect(s.add(c)).toBe(sa); // the freed slot is taken again
    expect(s.size).toBe(2);
  });

  it('deletes a slot once only and visits every item in flight', () => {
    const s = new InflightSlots<{ id: number }>();
    const slots = [1, 2, 3, 4].map((id) => s.add({ id }));
    s.delete(slots[1]!);
    s.delete(slots[1]!);
    expect(s.size).toBe(3);
    const seen: number[] = [];
    s.forEach((x) => {
      seen.push(x.id);
    });
    expect(seen).toEqual([1, 3, 4]);
  });
});
