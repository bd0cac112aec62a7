/**
 * Bytes this process allocated on the V8 heap (JS objects and strings; not the native memory
 * behind Buffers), for the result's `loadgen.heapAllocatedBytes`: what drives the garbage
 * collector, and so a cost per request `bench:loadgen` prints. Node 20 has no allocation counter,
 * but the used heap only grows between collections, so the allocated bytes are the sum of its
 * rises: up to each collection (V8's own before/after figures, from `v8.GCProfiler`) and from
 * the last one to now. The profiler is restarted at every read, so it never holds more than one
 * interval's collections (one a few hundred bytes) however long the stage.
 */
import { GCProfiler, getHeapStatistics } from 'node:v8';

/** One collection's used heap before and after (bytes). */
export interface GcUse {
  before: number;
  after: number;
}

/** Heap bytes allocated from `startUsed` to `endUsed` with these collections in between. */
export function allocatedBetween(startUsed: number, gcs: readonly GcUse[], endUsed: number): number {
  let bytes = 0;
  let used = startUsed;
  for (const gc of gcs) {
    bytes += Math.max(0, gc.before - used);
    used = gc.after;
  }
  return bytes + Math.max(0, endUsed - used);
}

export class AllocMeter {
  private profiler = new GCProfiler();
  private used = getHeapStatistics().used_heap_size;
  private total = 0;
  private stopped = false;

  constructor() {
    this.profiler.start();
  }

  /** Bytes allocated since the meter was made (until it was stopped). */
  read(): number {
    if (this.stopped) return this.total;
    const now = getHeapStatistics().used_heap_size;
    const data = this.profiler.stop();
    // A collection during the parse just above is missed (it only makes the next rise smaller).
    this.profiler = new GCProfiler();
    this.profiler.start();
    const gcs = (data?.statistics ?? []).map((s) => ({
      before: s.beforeGC.heapStatistics.usedHeapSize,
      after: s.afterGC.heapStatistics.usedHeapSize,
    }));
    this.total += allocatedBetween(this.used, gcs, now);
    this.used = now;
    return this.total;
  }

  /** The final count; the profiler is released. Idempotent. */
  stop(): number {
    if (!this.stopped) {
      this.read();
      this.profiler.stop();
      this.stopped = true;
    }
    return this.total;
  }
}
