/**
 * The relay's telemetry side: everything it pushes to Pushgateway, the service scrape and its
 * raw copy in the results folder, and the Loki shipping. Each part fails on its own and only
 * logs (once per kind of problem): telemetry must never fail or slow down a benchmark.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { BenchmarkStatus } from '../core/benchmark';
import { type AifbConfig, paths } from '../core/config';
import { type ClientResult, loadgenFiles, type ProgressSnapshot } from '../core/loadgen-protocol';
import type { Recipe } from '../core/recipe';
import { stageName } from '../core/recipe';
import type { StageSummary } from '../core/summary';
import { type Endpoint, type Executor, type JobRef, readChunks } from '../executors/types';
import { LokiShipper, lokiCursorFile } from '../telemetry/loki';
import { formatPromText, parsePromText } from '../telemetry/prom-text';
import { PrometheusApi, serverAggregates } from '../telemetry/prometheus';
import { type GroupingKey, Pushgateway } from '../telemetry/pushgateway';
import { clientText, stageSummaryText, statusText, systemText } from '../telemetry/run-metrics';
import { selfMetrics } from '../telemetry/self-metrics';
import { aggregateScrapes, type StageTelemetry } from '../telemetry/stage-telemetry';
import {
  aggregateGpus,
  aggregateProcess,
  parseGpuCsv,
  parseProcCsv,
  type Window,
} from '../telemetry/system-samples';
import { type ActivityContext, componentName, jobNames } from './context';
import { httpGet } from './http-probe';
import { announcedAddress } from './service';

export const serviceFiles = { proc: 'proc.csv', gpu: 'gpu.csv', gpuAbsent: 'gpu.absent' } as const;

/** Where the raw service scrapes are kept: one JSON line per scrape. */
export const serviceScrapeFile = (config: AifbConfig, benchmarkId: string) =>
  join(paths.results(config, benchmarkId), 'service-metrics.jsonl');

type Warn = (message: string, meta?: Record<string, unknown>) => void;

/** Logs each distinct problem once per relay, so a down Pushgateway is not a log flood. */
function warnOnce(warn: Warn): (what: string, err: unknown) => void {
  const seen = new Set<string>();
  return (what, err) => {
    const text = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    if (seen.has(text)) return;
    seen.add(text);
    warn(text);
  };
}

export class RunTelemetry {
  private readonly push: Pushgateway | null;
  private readonly loki: LokiShipper | null;
  private readonly previous = new Map<string, ProgressSnapshot>();
  private endpoint: { address: string; endpoint: Endpoint } | null = null;
  private scrapeFailures = 0;
  private readonly problem: (what: string, err: unknown) => void;

  constructor(
    private readonly config: AifbConfig,
    private readonly executor: Executor,
    private readonly benchmarkId: string,
    private readonly recipe: Recipe,
    warn: Warn,
  ) {
    const t = config.telemetry;
    this.push = t?.pushgatewayUrl ? new Pushgateway(t.pushgatewayUrl) : null;
    this.loki = t?.lokiUrl
      ? new LokiShipper(t.lokiUrl, lokiCursorFile(paths.logs(config, benchmarkId)))
      : null;
    this.problem = warnOnce(warn);
  }

  private key(extra: Record<string, string>): GroupingKey {
    return { benchmark: this.benchmarkId, ...extra };
  }

  private async put(key: GroupingKey, text: string, what: string): Promise<void> {
    if (!this.push || text === '') return;
    await this.push.put(key, text).catch((err) => this.problem(`push ${what}`, err));
  }

  async pushStatus(status: BenchmarkStatus): Promise<void> {
    await this.put(this.key({ component: 'workflow' }), statusText(status, this.recipe.name), 'status');
  }

  /** The latest whole progress snapshot of each client of `job`. */
  async readClients(job: JobRef | undefined): Promise<ProgressSnapshot[]> {
    if (!job) return [];
    const snapshots: ProgressSnapshot[] = [];
    for (let index = 0; index < job.tasks; index++) {
      const line = lastWholeLine(await this.executor.tail(job, loadgenFiles.progress(index), 16_384));
      if (!line) continue;
      try {
        snapshots.push(JSON.parse(line) as ProgressSnapshot);
      } catch {
        // a torn line: the next pass reads a whole one
      }
    }
    return snapshots;
  }

  /** Pushes each client's latest snapshot to its own group (PUT: a re-push never double-counts). */
  async pushClients(job: JobRef | undefined): Promise<ProgressSnapshot[]> {
    const snapshots = await this.readClients(job);
    // With telemetry.directPushUrl the clients push for themselves (loadgen/direct-push.ts).
    if (!job || this.recipe.telemetry.directPushUrl) return snapshots;
    const stageIndex = Number(/-s(\d+)-clients$/.exec(job.name)?.[1] ?? 0);
    for (const snap of snapshots) {
      const component = componentName(this.benchmarkId, job.name, snap.clientIndex, job.tasks);
      const previous = this.previous.get(component);
      // Same snapshot as last time: nothing new to say (and no rate to compute).
      if (previous?.timeMs === snap.timeMs) continue;
      this.previous.set(component, snap);
      selfMetrics.relayLag.set({ benchmark: this.benchmarkId }, Math.max(0, Date.now() - snap.timeMs) / 1000);
      const text = clientText(snap, previous, {
        benchmark: this.benchmarkId,
        recipe: this.recipe.name,
        stage_name: stageName(this.recipe, stageIndex),
      });
      await this.put(this.key({ stage: String(stageIndex), component }), text, `client ${component}`);
    }
    return snapshots;
  }

  /** Scrapes the service's /metrics through the executor, pushes it and keeps a raw copy. */
  async scrapeService(service: JobRef | undefined): Promise<void> {
    if (!service) return;
    try {
      if (!this.endpoint) {
        const at = await announcedAddress(this.executor, service);
        if (!at) return;
        this.endpoint = {
          address: `${at.host}:${at.port}`,
          endpoint: await this.executor.endpoint(at.host, at.port),
        };
      }
      // node:http, not fetch: the service may listen on a port fetch refuses (see http-probe.ts).
      const res = await httpGet(`${this.endpoint.endpoint.url}/metrics`, 3000);
      if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
      const parsed = parsePromText(res.body);
      const timeMs = Date.now();
      const file = serviceScrapeFile(this.config, this.benchmarkId);
      await mkdir(join(file, '..'), { recursive: true });
      await appendFile(
        file,
        `${JSON.stringify({ timeMs, samples: parsed.samples.map((s) => [s.name, s.labels, s.value]) })}\n`,
      );
      await this.put(this.key({ component: 'service' }), formatPromText(parsed), 'service metrics');
      this.scrapeFailures = 0;
    } catch (err) {
      // The service may still be starting: only a run of failures is worth a warning.
      if (++this.scrapeFailures >= 3) this.problem('service metrics scrape', err);
      // A tunnel may have died with its SSH connection: open a new one next time.
      await this.closeEndpoint();
    }
  }

  async pushSystem(service: JobRef | undefined): Promise<void> {
    if (!service || !this.push) return;
    try {
      const proc = parseProcCsv(await this.executor.tail(service, serviceFiles.proc, 4096)).at(-1);
      const absent = (await this.executor.tail(service, serviceFiles.gpuAbsent, 1024)).trim() || null;
      const gpuRows = absent ? [] : parseGpuCsv(await this.executor.tail(service, serviceFiles.gpu, 8192));
      // The newest row of each GPU.
      const latest = new Map(gpuRows.map((r) => [r.index, r]));
      await this.put(
        this.key({ component: 'service-system' }),
        systemText(proc, [...latest.values()], absent, {
          benchmark: this.benchmarkId,
          recipe: this.recipe.name,
        }),
        'system samples',
      );
    } catch (err) {
      this.problem('system samples', err);
    }
  }

  async pushStageSummary(summary: { index: number; name: string }): Promise<void> {
    const text = stageSummaryText(summary, {
      benchmark: this.benchmarkId,
      recipe: this.recipe.name,
      stage_name: summary.name,
    });
    await this.put(
      this.key({ stage: String(summary.index), component: 'stage-summary' }),
      text,
      'stage summary',
    );
  }

  /** Pushes the log copies' new lines to Loki; labels name the job and stream of each file. */
  async shipLogs(jobs: JobRef[]): Promise<void> {
    if (!this.loki) return;
    const dir = paths.logs(this.config, this.benchmarkId);
    const files = jobs.flatMap((job) =>
      Array.from({ length: job.tasks }, (_, task) =>
        componentName(this.benchmarkId, job.name, task, job.tasks),
      ).flatMap((component) =>
        (['stdout', 'stderr'] as const).map((stream) => ({
          path: join(dir, `${component}${stream === 'stdout' ? '.log' : '.err.log'}`),
          labels: { benchmark: this.benchmarkId, component, stream, job_id: job.id },
        })),
      ),
    );
    await this.loki.ship(files).catch((err) => this.problem('Loki push', err));
  }

  async closeEndpoint(): Promise<void> {
    const open = this.endpoint;
    this.endpoint = null;
    await open?.endpoint.close().catch(() => undefined);
  }
}

export function serviceJobOf(benchmarkId: string, jobs: JobRef[]): JobRef | undefined {
  return jobs.find((j) => j.name === jobNames.service(benchmarkId));
}

export function lastWholeLine(text: string): string | undefined {
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  // A tail may start mid-line: only lines after the first newline are surely whole.
  if (!text.endsWith('\n')) lines.pop();
  return lines.length > 1 || text.startsWith('{') ? lines.at(-1) : undefined;
}

async function readWhole(executor: Executor, job: JobRef, name: string): Promise<string> {
  const parts: Buffer[] = [];
  for await (const { data } of readChunks(executor, job, name)) parts.push(data);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * What a stage's window looked like from the service's side: aggregates from Prometheus (or,
 * without it, from the raw scrape copy), the process tree's CPU/memory and the GPUs' use and
 * energy from the sidecar sampler. Never throws: a part that cannot be had says why.
 */
export async function stageTelemetry(
  config: AifbConfig,
  executor: Executor,
  benchmarkId: string,
  service: JobRef | undefined,
  window: Window,
  outputTokens: number,
): Promise<StageTelemetry> {
  const promUrl = config.telemetry?.prometheusUrl;
  let server: StageTelemetry['server'];
  try {
    server = promUrl
      ? await serverAggregates(new PrometheusApi(promUrl), benchmarkId, window)
      : aggregateScrapes(
          await readFile(serviceScrapeFile(config, benchmarkId), 'utf8').catch(() => ''),
          window,
        );
  } catch (err) {
    server = { unavailable: (err as Error).message };
  }
  let system: StageTelemetry['system'] = { unavailable: 'no service job' };
  if (service) {
    const gpuAbsent = (await executor.tail(service, serviceFiles.gpuAbsent, 1024)).trim();
    const gpu = gpuAbsent
      ? { absent: gpuAbsent }
      : aggregateGpus(parseGpuCsv(await readWhole(executor, service, serviceFiles.gpu)), window);
    const energyJ = 'energyJ' in gpu ? gpu.energyJ : null;
    system = {
      process: aggregateProcess(parseProcCsv(await readWhole(executor, service, serviceFiles.proc)), window),
      gpu,
      energyJ,
      joulesPerOutputToken: energyJ !== null && outputTokens > 0 ? energyJ / outputTokens : null,
    };
  }
  return { server, system };
}

/**
 * The stage summary with its window, `server` and `system` parts; pushes the clients' final
 * snapshots (the relay may not have passed since they ended) and the stage's results.
 */
export async function withStageTelemetry(
  ctx: ActivityContext,
  { benchmarkId, recipe }: { benchmarkId: string; recipe: Recipe },
  summary: StageSummary,
  results: ClientResult[],
): Promise<StageSummary> {
  const window = {
    startMs: Math.min(...results.map((r) => r.windowStartMs)),
    endMs: Math.max(...results.map((r) => r.windowEndMs)),
  };
  const executor = ctx.executorFor(recipe);
  const jobs = await executor.listJobs(benchmarkId);
  const service = serviceJobOf(benchmarkId, jobs);
  const extra = await stageTelemetry(
    ctx.config,
    executor,
    benchmarkId,
    service,
    window,
    summary.tokens.output,
  );
  const full: StageSummary = { ...summary, window, ...extra };
  const telemetry = new RunTelemetry(ctx.config, executor, benchmarkId, recipe, (m) =>
    Context.current().log.warn(m),
  );
  await telemetry.pushClients(jobs.find((j) => j.name === jobNames.clients(benchmarkId, summary.index)));
  await telemetry.pushStageSummary(full);
  return full;
}
