/**
 * A benchmark's id is its workflow id (`bench-<name>-<6 chars>`), made safe for file and job
 * names. Only schedule-started runs differ: Temporal appends the start time
 * (`...-2026-01-02T02:00:00Z`), whose colons become dashes. Pure: the workflow uses it.
 */
export function benchmarkIdOf(workflowId: string): string {
  return workflowId.replace(/[^A-Za-z0-9._-]/g, '-');
}

/** What ids the control surfaces accept (no path tricks, no query-language quotes). */
export const BENCHMARK_ID_RE = /^[A-Za-z0-9._-]{1,200}$/;
