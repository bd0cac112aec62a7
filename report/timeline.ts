/**
 * The timeline's series: the PromQL behind each (range queries over the run), and the same
 * server series from the raw scrape copy (service-metrics.jsonl) when there is no Prometheus.
 */
import { aggregateSelectors, SERVICE_SERIES } from '../telemetry/prometheus';
import type { TimelineKey, TimelineSeries } from './types';

export interface TimelineQuery {
  key: TimelineKey;
  label: string;
  unit: string;
  expr: string;
}

/** Range-query resolution: at most ~400 points over the run, never finer than 1 s. */
export function timelineStepS(startMs: number, endMs: number): number {
  return Math.max(1, Math.ceil((endMs - startMs) / 1000 / 400));
}

/**
 * The queries for one benchmark. Client rates are the relay's per-snapshot gauges (requests
 * between a client's last two snapshots / their interval), summed over the clients whose stage
 * is not done: a finished stage's group stays in Pushgateway with its last value. The CPU rate
 * spans several pushes (every 2 s by default) at the least.
 */
export function timelineQueries(benchmarkId: string, stepS: number): TimelineQuery[] {
  const server = aggregateSelectors(benchmarkId); // also refuses an id unsafe in PromQL
  const sel = `{benchmark="${benchmarkId}"}`;
  const active = `on(stage, component) (aifb_client_phase{benchmark="${benchmarkId}",phase="done"} == 0)`;
  const w = `${Math.max(6, 4 * stepS)}s`;
  return [
    {
      key: 'clientSent',
      label: 'sent',
      unit: 'req/s',
      expr: `sum(aifb_client_sent_per_second${sel} and ${active})`,
    },
    {
      key: 'clientCompleted',
      label: 'completed',
      unit: 'req/s',
      expr: `sum(aifb_client_requests_per_second${sel} and ${active})`,
    },
    { key: 'running', label: 'running', unit: 'requests', expr: server.runningRequests },
    { key: 'waiting', label: 'waiting', unit: 'requests', expr: server.waitingRequests },
    { key: 'kvCache', label: 'KV cache', unit: '%', expr: `100 * (${server.kvCacheUsage})` },
    {
      key: 'gpuUtil',
      label: 'GPU utilisation',
      unit: '%',
      expr: `100 * avg(aifb_gpu_utilization_ratio${sel})`,
    },
    { key: 'gpuPower', label: 'GPU power', unit: 'W', expr: `sum(aifb_gpu_power_watts${sel})` },
    {
      key: 'serviceCpu',
      label: 'service CPU',
      unit: 'cores',
      expr: `sum(rate(aifb_service_cpu_seconds_total${sel}[${w}]))`,
    },
  ];
}

type RawSample = [name: string, labels: Record<string, string>, value: number];

const SCRAPE_KEYS: [TimelineKey, keyof typeof SERVICE_SERIES, string, string, number][] = [
  ['running', 'runningRequests', 'running', 'requests', 1],
  ['waiting', 'waitingRequests', 'waiting', 'requests', 1],
  ['kvCache', 'kvCacheUsage', 'KV cache', '%', 100],
];

/** Running/waiting requests and KV-cache use from the scrape copy (one JSON line per scrape). */
export function scrapeTimeline(jsonl: string, startMs: number, endMs: number): TimelineSeries[] {
  const series = new Map<TimelineKey, TimelineSeries>(
    SCRAPE_KEYS.map(([key, , label, unit]) => [key, { key, label, unit, points: [] }]),
  );
  for (const line of jsonl.split('\n')) {
    if (line.trim() === '') continue;
    let scrape: { timeMs: number; samples: RawSample[] };
    try {
      scrape = JSON.parse(line);
    } catch {
      continue; // a torn last line
    }
    if (scrape.timeMs < startMs || scrape.timeMs > endMs) continue;
    for (const [key, aggregate, , , scale] of SCRAPE_KEYS) {
      const { names, combine } = SERVICE_SERIES[aggregate];
      const name = names.find((n) => scrape.samples.some((s) => s[0] === n));
      if (!name) continue;
      const values = scrape.samples.filter((s) => s[0] === name).map((s) => s[2]);
      const total = values.reduce((a, b) => a + b, 0);
      const value = combine === 'sum' ? total : total / values.length;
      series.get(key)!.points.push([scrape.timeMs, value * scale]);
    }
  }
  return [...series.values()].filter((s) => s.points.length > 0);
}
