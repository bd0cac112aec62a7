/**
 * What a report is drawn from, per benchmark: its summary, the latency distributions read back
 * from the clients' merged HDR histograms, and a timeline over the run. The API's
 * `GET /benchmarks/:id/report?format=json` answers with it, so the CLI draws the same report
 * whichever way it is connected. Fields are only ever added. Types only.
 */
import type { BenchmarkSummary } from '../core/summary';

export const REPORT_DATA_SCHEMA = 'aifb.report-data/v1';

/** The latencies whose distributions a report draws (`HistogramName`s of the loadgen). */
export const CDF_METRICS = ['ttft', 'itl', 'e2e'] as const;
export type CdfMetric = (typeof CDF_METRICS)[number];

/** A cumulative distribution: `[ms, fraction of requests at or below it]`, fraction rising to 1. */
export type CdfPoints = [ms: number, fraction: number][];

export interface StageDistributions {
  index: number;
  name: string;
  /** Recorded values behind each curve (0 or absent: nothing recorded). */
  counts: Partial<Record<CdfMetric, number>>;
  cdf: Partial<Record<CdfMetric, CdfPoints>>;
}

/** One line of the timeline: `[epoch ms, value]`, in `unit`. */
export interface TimelineSeries {
  key: TimelineKey;
  label: string;
  unit: string;
  points: [ms: number, value: number][];
}

/** Which panel a series belongs to. */
export type TimelineKey =
  | 'clientSent'
  | 'clientCompleted'
  | 'running'
  | 'waiting'
  | 'kvCache'
  | 'gpuUtil'
  | 'gpuPower'
  | 'serviceCpu';

export interface Timeline {
  /** Prometheus range queries, or the raw scrape copy (service-metrics.jsonl) when there is none. */
  source: 'prometheus' | 'scrapes';
  startMs: number;
  endMs: number;
  stepS: number;
  series: TimelineSeries[];
  /** What is missing and why (e.g. no client rate without Prometheus). */
  notes: string[];
}

export interface ReportData {
  schema: typeof REPORT_DATA_SCHEMA;
  /** As stored; newer summaries may carry fields this version does not know (report/extras.ts). */
  summary: BenchmarkSummary;
  /** Per stage, in stage order; `unavailable` when the raw stage files are not on this machine. */
  distributions: { stages: StageDistributions[] } | { unavailable: string };
  timeline: Timeline | { unavailable: string };
}
