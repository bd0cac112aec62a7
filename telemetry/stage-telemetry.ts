/**
 * The `server` and `system` parts of a stage summary, and the fallback that computes the
 * server aggregates from the raw scrape copy (service-metrics.jsonl) when no Prometheus is set.
 */
import { type MeanMax, SERVICE_SERIES, type ServerAggregates } from './prometheus';
import type { GpuAggregates, ProcessAggregates, Window } from './system-samples';

export interface ScrapeAggregates
  extends Omit<ServerAggregates, 'source' | 'gpuUtilization' | 'serviceCpuCores'> {
  source: 'scrapes';
  scrapes: number;
}

export interface StageTelemetry {
  server: ServerAggregates | ScrapeAggregates | { unavailable: string };
  system:
    | {
        process: ProcessAggregates;
        gpu: GpuAggregates | { absent: string };
        /** Energy of the service node's GPUs over the window; null when power is unknown. */
        energyJ: number | null;
        joulesPerOutputToken: number | null;
      }
    | { unavailable: string };
}

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
