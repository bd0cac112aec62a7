/**
 * The capacity search's decisions, pure and deterministic (the workflow replays them): which
 * value to probe next from the probes so far, whether a probe's stage held every SLO, and what
 * theory expects of the simulator. Geometric growth from `start` until a probe fails, then
 * bisection of [highest passed, lowest failed] until its width is within `tolerance`.
 */
import type { CapacitySearchSpec, Recipe } from './recipe';
import type { CapacitySearchResult, ProbeVerdict, StageSummary } from './summary-format';

/** A probe's value and outcome, in the order they ran. */
export interface Probe {
  value: number;
  passed: boolean;
}

export type SearchStep =
  | { kind: 'probe'; value: number }
  | { kind: 'done'; status: Exclude<CapacitySearchResult['status'], 'stopped'>; capacity: number | null };

/** Rates keep 3 significant digits (names and tables stay readable); concurrencies are whole. */
export function roundProbe(value: number, vary: CapacitySearchSpec['vary']): number {
  if (vary === 'concurrency') return Math.max(1, Math.round(value));
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return Math.max(0.01, Number(value.toFixed(Math.min(digits, 6))));
}

/**
 * The next probe, or the end. `floor` is the lowest value worth trying: 0.01 req/s, or the
 * number of clients for a concurrency (each needs at least one request in flight).
 */
export function nextProbe(
  spec: Pick<CapacitySearchSpec, 'start' | 'growth' | 'tolerance' | 'max' | 'maxProbes' | 'vary'>,
  probes: readonly Probe[],
  floor = spec.vary === 'rate' ? 0.01 : 1,
): SearchStep {
  const round = (v: number) => roundProbe(v, spec.vary);
  const cap = (v: number) => (spec.max !== undefined ? Math.min(v, spec.max) : v);
  if (probes.length === 0) return { kind: 'probe', value: cap(round(spec.start)) };
  const failed = probes.filter((p) => !p.passed).map((p) => p.value);
  const hi = failed.length > 0 ? Math.min(...failed) : null;
  // The highest pass below the lowest failure (a noisy pass above a failure does not count).
  const below = probes.filter((p) => p.passed && (hi === null || p.value < hi)).map((p) => p.value);
  const lo = below.length > 0 ? Math.max(...below) : null;
  const exhausted = probes.length >= spec.maxProbes;
  const tried = new Set(probes.map((p) => p.value));

  if (hi === null) {
    // Everything passed so far: grow.
    const top = lo!;
    if (spec.max !== undefined && top >= spec.max)
      return { kind: 'done', status: 'max-reached', capacity: top };
    const next = cap(round(top * spec.growth));
    if (exhausted || next <= top) return { kind: 'done', status: 'probes-exhausted', capacity: top };
    return { kind: 'probe', value: next };
  }
  if (lo === null) {
    // Nothing passed: shrink, down to the floor.
    const next = Math.max(floor, round(hi / spec.growth));
    if (hi <= floor || tried.has(next)) return { kind: 'done', status: 'none-passed', capacity: null };
    if (exhausted) return { kind: 'done', status: 'probes-exhausted', capacity: null };
    return { kind: 'probe', value: next };
  }
  const narrow = (hi - lo) / lo <= spec.tolerance || (spec.vary === 'concurrency' && hi - lo <= 1);
  if (narrow) return { kind: 'done', status: 'found', capacity: lo };
  if (exhausted) return { kind: 'done', status: 'probes-exhausted', capacity: lo };
  const mid = spec.vary === 'concurrency' ? Math.floor((lo + hi) / 2) : round((lo + hi) / 2);
  // Rounding can land on a value already tried: the bracket is as narrow as values go.
  if (tried.has(mid) || mid <= lo || mid >= hi) return { kind: 'done', status: 'found', capacity: lo };
  return { kind: 'probe', value: mid };
}

const METRIC_NAMES: Record<keyof CapacitySearchSpec['slo'], string> = {
  ttft: 'TTFT',
  tpot: 'TPOT',
  itl: 'ITL',
  itlPerToken: 'ITL per token',
  e2e: 'E2E',
};

const fmt = (n: number) => Number(n.toFixed(1)).toString();

/**
 * Whether a probe's stage held: no over-saturation, every validity rule met, and every SLO at
 * its percentile of the stage's merged histogram. The reasons are what a person reads.
 */
export function probeVerdict(
  spec: Pick<CapacitySearchSpec, 'slo'>,
  value: number,
  stage: StageSummary | null,
): ProbeVerdict {
  if (!stage) return { value, passed: false, why: ['the probe did not run'] };
  const why: string[] = [];
  if (stage.oversaturation?.detected) why.push(`over-saturated: ${stage.oversaturation.reason}`);
  for (const f of stage.validity?.failures ?? []) {
    if (f.rule !== 'over-saturated') why.push(`${f.rule}: ${f.message}`);
  }
  for (const [metric, percentiles] of Object.entries(spec.slo) as [
    keyof typeof METRIC_NAMES,
    Record<string, number | undefined> | undefined,
  ][]) {
    for (const [p, limit] of Object.entries(percentiles ?? {})) {
      if (limit === undefined) continue;
      const measured = stage.latencyMs[metric]?.[p as 'p99'];
      if (measured === undefined || measured === null) why.push(`no ${METRIC_NAMES[metric]} was measured`);
      else if (measured > limit)
        why.push(`${METRIC_NAMES[metric]} ${p} ${fmt(measured)} ms > ${fmt(limit)} ms`);
    }
  }
  return { value, passed: why.length === 0, why };
}

/** The search's SLOs as the summary shows them: metric -> percentile -> ms. */
export function sloTable(slo: CapacitySearchSpec['slo']): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [metric, percentiles] of Object.entries(slo)) {
    if (!percentiles) continue;
    const row = Object.fromEntries(Object.entries(percentiles).filter(([, v]) => v !== undefined)) as Record<
      string,
      number
    >;
    out[metric] = row;
  }
  return out;
}

/**
 * The simulator's capacity in theory: `maxConcurrency` slots, each busy for the service time S =
 * TTFT + (output tokens − first chunk's tokens) × ITL (means), so C / S requests per second, or
 * C in flight. Null for other services, without maxConcurrency, or with a prompt file (unknown
 * lengths). Queueing beyond C makes TTFT grow: no TTFT SLO can hold above it for long.
 */
export function expectedCapacity(
  recipe: Pick<Recipe, 'service' | 'workload'>,
  vary: CapacitySearchSpec['vary'],
): { capacity: number; basis: string } | null {
  const service = recipe.service;
  if (service.kind !== 'simulator' || service.simulator.maxConcurrency === undefined) return null;
  const { dataset } = recipe.workload;
  if (!dataset.synthetic) return null;
  const sim = service.simulator;
  const slots = sim.maxConcurrency!;
  if (vary === 'concurrency') return { capacity: slots, basis: `the simulator's ${slots} slots` };
  const asked = dataset.synthetic.outputTokens.mean;
  // With exact lengths the request's max_tokens is the length; else the simulator's, capped by it.
  const tokens = Math.max(
    1,
    Math.round(dataset.exactOutputLength ? asked : Math.min(sim.outputTokens.mean, asked)),
  );
  const firstChunk = Math.min(sim.tokensPerChunk, tokens);
  const serviceMs = sim.ttft.mean + (tokens - firstChunk) * sim.itl.mean;
  if (serviceMs <= 0) return null;
  return {
    capacity: (slots * 1000) / serviceMs,
    basis: `${slots} slots / ${fmt(serviceMs)} ms service time (TTFT ${fmt(sim.ttft.mean)} ms + ${tokens - firstChunk} × ITL ${fmt(sim.itl.mean)} ms)`,
  };
}
