import { describe, expect, it } from 'vitest';
import { benchmarkIdOf, benchmarkIdProblem } from './benchmark-id';
import { jobNames } from './jobs';

describe('benchmark ids', () => {
  it('turns a schedule-started workflow id into a file-safe benchmark id', () => {
    expect(benchmarkIdOf('bench-a-sched-2026-01-02T02:00:00Z')).toBe('bench-a-sched-2026-01-02T02-00-00Z');
  });

  it('refuses ids that cannot name folders or jobs, saying why', () => {
    for (const id of ['.', '..', '...', '-x', '_x', '', 'x'.repeat(181)]) {
      expect(benchmarkIdProblem(benchmarkIdOf(id)), id).not.toBeNull();
    }
    expect(benchmarkIdProblem('..')).toMatch(/letter or digit/);
  });

  it('accepts every id whose job names stay valid', () => {
    const longest = 'b'.repeat(180);
    expect(benchmarkIdProblem(longest)).toBeNull();
    expect(jobNames.clients(longest)).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/);
    expect(benchmarkIdProblem('bench-demo-ab12cd')).toBeNull();
  });
});
