/**
 * The operations in flight, each in a numbered slot: `add` returns the slot, `delete` takes it
 * back. Not a Set on purpose: with an add and a delete per request a Set rehashes its table over
 * and over, and V8 links each obsolete table to its successor with the entries it held (for
 * live iterators). Once one table has been promoted to the old generation, the chain keeps every
 * later table, and every request in them, alive through the young-generation collections: in
 * `bench:loadgen` 18% of the young generation survived each scavenge instead of 1%, and the
 * copying and the old-generation collections it caused were a third of loadgen's CPU.
 */
export class InflightSlots<T extends object> {
  private readonly slots: (T | null)[] = [];
  private readonly free: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(item: T): number {
    this.count++;
    const slot = this.free.pop();
    if (slot !== undefined) {
      this.slots[slot] = item;
      return slot;
    }
    return this.slots.push(item) - 1;
  }

  /** The item in `slot`; throws when the slot is empty (a bug in the caller). */
  get(slot: number): T {
    const item = this.slots[slot];
    if (item === null || item === undefined) throw new Error(`inflight slot ${slot} is empty`);
    return item;
  }

  delete(slot: number): void {
    if (this.slots[slot] === null || this.slots[slot] === undefined) return;
    this.slots[slot] = null;
    this.free.push(slot);
    this.count--;
  }

  /** Every item in flight (`fn` may end an operation; its slot is freed later, when it settles). */
  forEach(fn: (item: T) => void): void {
    const { slots } = this;
    for (let i = 0; i < slots.length; i++) {
      const item = slots[i];
      if (item !== null && item !== undefined) fn(item);
    }
  }
}
