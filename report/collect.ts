/**
 * Gathers a report's data for one benchmark: its summary, the CDFs of the clients' histograms
 * from the raw stage files beside it, and the timeline from Prometheus range queries (or from
 * the raw scrape copy when no Prometheus is configured or it has nothing for the run).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistogramName } from '../core/loadgen-protocol';
import { resultFiles } from '../core/node/config';
import type { BenchmarkSummary } from '../core/summary';
import { PrometheusApi } from '../telemetry/prometheus';
import { cdfOfEncoded } from './cdf';
import { scrapeTimeline, timelineQueries, timelineStepS } from './timeline';
import {
  CDF_METRICS,
  REPORT_DATA_SCHEMA,
  type ReportData,
  type StageDistributions,
  type TimelineSeries,
} from './types';

export interface CollectOptions {
  /** The benchmark's results folder (data/results/<id>/), where the raw stage files are. */
  resultsDir: string;
  /** AIFB_PROMETHEUS_URL; null: the timeline comes from the scrape copy. */
  prometheusUrl: string | null;
}

interface RawStageFile {
  clients?: { histograms?: Partial<Record<HistogramName, string>> }[];
}

async function distributions(summary: BenchmarkSummary, dir: string): Promise<ReportData['distributions']> {
  const stages: StageDistributions[] = [];
  let found = 0;
  for (const stage of summary.stages) {
    const text = await readFile(join(dir, resultFiles.stageRaw(stage.index, stage.name)), 'utf8').catch(
      () => undefined,
    );
    const entry: StageDistributions = { index: stage.index, name: stage.name, counts: {}, cdf: {} };
    stages.push(entry);
    if (text === undefined) continue;
    found++;
    const raw = JSON.parse(text) as RawStageFile;
    for (const metric of CDF_METRICS) {
      const encoded = (raw.clients ?? [])
        .map((c) => c.histograms?.[metric])
        .filter((h): h is string => typeof h === 'string');
      const { count, cdf } = cdfOfEncoded(encoded);
      entry.counts[metric] = count;
      if (count > 0) entry.cdf[metric] = cdf;
    }
  }
  if (found === 0 && summary.stages.length > 0) {
    return {
      unavailable: `no raw stage files (stage-<k>-<name>.json, with the clients' histograms) in ${dir}: run the report where the worker's data folder is (AIFB_DATA_DIR)`,
    };
  }
  return { stages };
}

async function fromPrometheus(
  url: string,
  benchmarkId: string,
  startMs: number,
  endMs: number,
): Promise<{ series: TimelineSeries[]; stepS: number }> {
  const api = new PrometheusApi(url);
  const stepS = timelineStepS(startMs, endMs);
  const queries = timelineQueries(benchmarkId, stepS);
  const results = await Promise.all(
    queries.map((q) => api.queryRange(q.expr, startMs / 1000, endMs / 1000, stepS)),
  );
  const series = queries
    .map(
      (q, i): TimelineSeries => ({
        key: q.key,
        label: q.label,
        unit: q.unit,
        // sum()/avg() give one series; several (an `or` of two names) are summed point by point.
        points: mergePoints(results[i]!.map((r) => r.points)),
      }),
    )
    .filter((s) => s.points.length > 0);
  return { series, stepS };
}

function mergePoints(lists: [number, number][][]): [number, number][] {
  if (lists.length === 1) return lists[0]!;
  const byTime = new Map<number, number>();
  for (const list of lists) for (const [t, v] of list) byTime.set(t, (byTime.get(t) ?? 0) + v);
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]);
}

async function timeline(summary: BenchmarkSummary, options: CollectOptions): Promise<ReportData['timeline']> {
  const startMs = Date.parse(summary.startedAt);
  const endMs = Date.parse(summary.finishedAt);
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) {
    return {
      unavailable: `the summary has no usable run times (${summary.startedAt} – ${summary.finishedAt})`,
    };
  }
  const notes: string[] = [];
  if (options.prometheusUrl) {
    try {
      const { series, stepS } = await fromPrometheus(
        options.prometheusUrl,
        summary.benchmarkId,
        startMs,
        endMs,
      );
      if (series.length > 0) return { source: 'prometheus', startMs, endMs, stepS, series, notes };
      notes.push(
        `Prometheus (${options.prometheusUrl}) holds no series for this run (live metrics off then, or past its retention)`,
      );
    } catch (err) {
      notes.push(`Prometheus (${options.prometheusUrl}) could not be read: ${(err as Error).message}`);
    }
  } else {
    notes.push(
      'no Prometheus configured (AIFB_PROMETHEUS_URL, e.g. http://127.0.0.1:9090 beside `aifb dev`): no client rate, GPU or CPU series',
    );
  }
  const jsonl = await readFile(join(options.resultsDir, resultFiles.serviceScrapes), 'utf8').catch(() => '');
  const series = scrapeTimeline(jsonl, startMs, endMs);
  if (series.length === 0) {
    return { unavailable: [...notes, `and no service scrapes in ${resultFiles.serviceScrapes}`].join('; ') };
  }
  notes.push(`server series from the raw scrape copy (${resultFiles.serviceScrapes})`);
  return { source: 'scrapes', startMs, endMs, stepS: 0, series, notes };
}

export async function collectReportData(
  summary: BenchmarkSummary,
  options: CollectOptions,
): Promise<ReportData> {
  const [dist, time] = await Promise.all([
    distributions(summary, options.resultsDir),
    timeline(summary, options),
  ]);
  return { schema: REPORT_DATA_SCHEMA, summary, distributions: dist, timeline: time };
}
