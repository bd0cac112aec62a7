import { describe, expect, it } from 'vitest';
import { benchmarkIdOf } from '../core/benchmark-id';
import { idempotentBenchmarkId, newBenchmarkId } from './ids';

describe('benchmark ids', () => {
  it('are bench-<name>-<6 lowercase letters or digits>, random without a key', () => {
    const a = newBenchmarkId('demo');
    expect(a).toMatch(/^bench-demo-[a-z0-9]{6}$/);
    expect(newBenchmarkId('demo')).not.toBe(a);
  });

  it('are stable for one Idempotency-Key and differ between keys', () => {
    const id = idempotentBenchmarkId('demo', 'retry-me-42');
    expect(id).toMatch(/^bench-demo-[a-z0-9]{6}$/);
    expect(idempotentBenchmarkId('demo', 'retry-me-42')).toBe(id);
    expect(idempotentBenchmarkId('demo', 'retry-me-43')).not.toBe(id);
  });

  it('turn a scheduled run workflow id into a file-safe benchmark id', () => {
    expect(benchmarkIdOf('bench-demo-ab12cd')).toBe('bench-demo-ab12cd');
    expect(benchmarkIdOf('bench-nightly-2026-01-02T02:00:00Z')).toBe('bench-nightly-2026-01-02T02-00-00Z');
  });
});
