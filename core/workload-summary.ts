/** Merges the clients' `workload` results of a stage (see WorkloadResult, WorkloadSummary). Pure. */
import { mergeEncoded, summarize } from './histograms';
import type { ClientResult, WorkloadResult } from './loadgen-protocol';
import type { LatencySummary, WorkloadSummary } from './summary-format';

function latencyOf(encoded: (string | undefined)[]): LatencySummary | null {
  const merged = summarize(mergeEncoded(encoded.filter((h): h is string => typeof h === 'string')));
  return merged.count === 0 ? null : merged;
}

/** undefined when no client reported workload figures (the LLM kinds). */
export function summarizeWorkload(results: readonly ClientResult[]): WorkloadSummary | undefined {
  const parts = results.map((r) => r.workload).filter((w): w is WorkloadResult => w !== undefined);
  if (parts.length === 0) return undefined;
  // Per s over each client's own window, summed (as the stage's throughput is).
  const perS = (f: (w: WorkloadResult) => number) =>
    results.reduce((acc, r) => {
      const seconds = (r.windowEndMs - r.windowStartMs) / 1000;
      return acc + (r.workload && seconds > 0 ? f(r.workload) / seconds : 0);
    }, 0);

  const classNames = [...new Set(parts.flatMap((w) => Object.keys(w.classes ?? {})))].sort();
  const classes = Object.fromEntries(
    classNames.map((name) => {
      const of = parts.map((w) => w.classes?.[name]);
      return [
        name,
        {
          ok: of.reduce((a, c) => a + (c?.ok ?? 0), 0),
          failed: of.reduce((a, c) => a + (c?.failed ?? 0), 0),
          perS: perS((w) => w.classes?.[name]?.ok ?? 0),
          latencyMs: latencyOf(of.map((c) => c?.e2e)),
        },
      ];
    }),
  );

  const counterNames = [...new Set(parts.flatMap((w) => Object.keys(w.counters ?? {})))].sort();
  const counters = Object.fromEntries(
    counterNames.map((name) => [name, parts.reduce((a, w) => a + (w.counters?.[name] ?? 0), 0)]),
  );
  const countersPerS = Object.fromEntries(
    counterNames.map((name) => [name, perS((w) => w.counters?.[name] ?? 0)]),
  );

  const phaseNames = [...new Set(parts.flatMap((w) => Object.keys(w.phases ?? {})))].sort();
  const phases = Object.fromEntries(
    phaseNames.map((name) => {
      const of = parts.map((w) => w.phases?.[name]).filter((p) => p !== undefined);
      const items = of.reduce((a, p) => a + p.items, 0);
      // The clients prepare at once: the phase took as long as its slowest client.
      const durationMs = Math.max(0, ...of.map((p) => p.durationMs));
      return [
        name,
        {
          items,
          failed: of.reduce((a, p) => a + p.failed, 0),
          durationMs,
          itemsPerS: durationMs > 0 ? items / (durationMs / 1000) : 0,
          latencyMs: latencyOf(of.map((p) => p.e2e)),
        },
      ];
    }),
  );
  const commands = results
    .filter((r) => r.workload?.command !== undefined)
    .map((r) => ({ client: r.clientIndex, ...r.workload!.command! }))
    .sort((a, b) => a.client - b.client);
  return { classes, counters, countersPerS, phases, ...(commands.length > 0 ? { commands } : {}) };
}
