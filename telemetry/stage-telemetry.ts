/**
 * The `server` and `system` parts of a stage summary, and the fallback that computes the
 * server aggregates from the raw scrape copy (service-metrics.jsonl) when no Prometheus is set.
 */
import type { MeanMax, ScrapeAggregates, StageTelemetry, Window } from '../core/summary-format';
import { SERVICE_SERIES } from './prometheus';
import { aggregateGpus, aggregateProcess, parseGpuCsv, parseProcCsv } from './system-samples';

type RawSample = [name: string, labels: Record<string, string>, value: number];

/** Mean and max per aggregate over the scrapes inside the window (one line per scrape). */
export function aggregateScrapes(jsonl: string, window: Window): ScrapeAggregates {
  const series: Record<keyof typeof SERVICE_SERIES, number[]> = {
    runningRequests: [],
    waitingRequests: [],
    kvCacheUsage: [],
  };
  let scrapes = 0;
  for (const line of jsonl.split('\n')) {
    if (line.trim() === '') continue;
    let scrape: { timeMs: number; samples: RawSample[] };
    try {
      scrape = JSON.parse(line);
    } catch {
      continue; // a torn last line
    }
    if (scrape.timeMs < window.startMs || scrape.timeMs > window.endMs) continue;
    scrapes++;
    for (const [key, spec] of Object.entries(SERVICE_SERIES) as [
      keyof typeof SERVICE_SERIES,
      (typeof SERVICE_SERIES)[keyof typeof SERVICE_SERIES],
    ][]) {
      const name = spec.names.find((n) => scrape.samples.some((s) => s[0] === n));
      if (!name) continue;
      const values = scrape.samples.filter((s) => s[0] === name).map((s) => s[2]);
      const total = values.reduce((a, b) => a + b, 0);
      series[key].push(spec.combine === 'sum' ? total : total / values.length);
    }
  }
  const meanMax = (xs: number[]): MeanMax =>
    xs.length === 0
      ? { mean: null, max: null }
      : { mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs) };
  return {
    source: 'scrapes',
    scrapes,
    windowStartMs: window.startMs,
    windowEndMs: window.endMs,
    runningRequests: meanMax(series.runningRequests),
    waitingRequests: meanMax(series.waitingRequests),
    kvCacheUsage: meanMax(series.kvCacheUsage),
  };
}

/** The sidecar sampler's files of the service job, read whole (see core/jobs.ts serviceFiles). */
export interface ServiceSamples {
  procCsv: string;
  gpuCsv: string;
  /** Why there is no GPU ('' when nvidia-smi ran). */
  gpuAbsent: string;
}

/** The `system` part of a stage: the process tree, the GPUs, energy and J per output token. */
export function systemTelemetry(
  samples: ServiceSamples | null,
  window: Window,
  outputTokens: number,
): StageTelemetry['system'] {
  if (!samples) return { unavailable: 'no service job' };
  const absent = samples.gpuAbsent.trim();
  const gpu = absent ? { absent } : aggregateGpus(parseGpuCsv(samples.gpuCsv), window);
  const energyJ = 'energyJ' in gpu ? gpu.energyJ : null;
  return {
    process: aggregateProcess(parseProcCsv(samples.procCsv), window),
    gpu,
    energyJ,
    joulesPerOutputToken: energyJ !== null && outputTokens > 0 ? energyJ / outputTokens : null,
  };
}
