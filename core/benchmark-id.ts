/**
 * A benchmark's id is its workflow id (`bench-<name>-<6 chars>`), made safe for file and job
 * names. Only schedule-started runs differ: Temporal appends the start time
 * (`...-2026-01-02T02:00:00Z`), whose colons become dashes. Pure: the workflow uses it.
 */
export function benchmarkIdOf(workflowId: string): string {
  return workflowId.replace(/[^A-Za-z0-9._-]/g, '-');
}

/**
 * What ids the control surfaces accept: no query-language quotes, no slashes, and a letter or
 * digit first, so `.`, `..` (any id made only of dots) and option-like `-x` are refused. The
 * executors' job names follow the same rule, so no runnable benchmark is shut out.
 */
export const BENCHMARK_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * Why a benchmark id (from benchmarkIdOf) cannot name a benchmark's folders and jobs; null when
 * it can: the workflow refuses such an id before it submits anything.
 */
export function benchmarkIdProblem(benchmarkId: string): string | null {
  // Job names add up to 20 characters (`-s12-clients`) and must stay within JOB_NAME_RE's 201.
  if (benchmarkId.length === 0 || benchmarkId.length > 180) return 'use 1 to 180 characters';
  if (!BENCHMARK_ID_RE.test(benchmarkId))
    return 'use letters, digits, ".", "_" and "-", starting with a letter or digit, e.g. bench-<recipe name>-<suffix>';
  return null;
}
