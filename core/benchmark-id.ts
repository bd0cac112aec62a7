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
