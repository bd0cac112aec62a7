/**
 * A run's live metrics: everything the relay pushes to Pushgateway (status, clients, the
 * service's scrape and its raw copy, system samples, stage results) and the Loki shipping.
 * Each part fails on its own and only logs (once per kind of problem): telemetry must never
 * fail or slow down a benchmark.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchmarkStatus } from '../core/contract';
import {
  clientComponentPrefix,
  type JobRef,
  jobFiles,
  loadgenFiles,
  logFiles,
  logShipFiles,
  parseJobName,
  serviceFiles,
} from '../core/jobs';
import type { LogShipState, ProgressSnapshot } from '../core/loadgen-protocol';
import { type AifbConfig, paths, resultFiles } from '../core/node/config';
import type { Recipe } from '../core/recipe';
import { metricsPath } from '../core/service-kinds';
import type { BenchmarkSummary } from '../core/summary-format';
import type { Endpoint, Executor } from '../executors/types';
import { authHeaders } from '../services/probe';
import { type LogFile, LokiShipper, logLabels, lokiCursorFile } from '../telemetry/loki';
import { lastWholeLine } from '../telemetry/progress';
import { formatPromText, parsePromText } from '../telemetry/prom-text';
import { type GroupingKey, Pushgateway } from '../telemetry/pushgateway';
import { clientText, stageSummaryText, statusText, systemText } from '../telemetry/run-metrics';
import { selfMetrics } from '../telemetry/self-metrics';
import { parseGpuCsv, parseProcCsv } from '../telemetry/system-samples';
import { runSummaryText } from '../telemetry/verdict-metrics';
import { httpGet } from './http-probe';
import { announcedAddress } from './service';

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
  private readonly push: Pick<Pushgateway, 'put'> | null;
  private readonly loki: LokiShipper | null;
  private readonly previous = new Map<string, ProgressSnapshot>();
  private readonly stoppedShippers = new Map<string, LogShipState>();
  private endpoint: { address: string; endpoint: Endpoint } | null = null;
  private scrapeFailures = 0;
  private readonly problem: (what: string, err: unknown) => void;

  constructor(
    private readonly config: AifbConfig,
    private readonly executor: Executor,
    private readonly benchmarkId: string,
    private readonly recipe: Recipe,
    warn: Warn,
    /** The relay hub's, which paces every benchmark's PUTs together (telemetry/relay-budget.ts). */
    pushgateway?: Pick<Pushgateway, 'put'>,
  ) {
    const t = config.telemetry;
    this.push = t?.pushgatewayUrl ? (pushgateway ?? new Pushgateway(t.pushgatewayUrl)) : null;
    // The worker's Loki, else the one the recipe names for the nodes (the in-job shippers'
    // fallback: what they could not push).
    const lokiUrl = t?.lokiUrl ?? recipe.telemetry.directLokiUrl;
    this.loki = lokiUrl ? new LokiShipper(lokiUrl, lokiCursorFile(paths.logs(config, benchmarkId))) : null;
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
    const stage = status.stageIndex === null ? undefined : this.recipe.workload.stages[status.stageIndex];
    const rate = stage && 'rate' in stage ? stage.rate : null;
    await this.put(this.key({ component: 'workflow' }), statusText(status, this.recipe.name, rate), 'status');
  }

  /** The latest whole progress snapshot of each client of `job` in stage `stageIndex`. */
  async readClients(job: JobRef | undefined, stageIndex: number | null): Promise<ProgressSnapshot[]> {
    if (!job || stageIndex === null) return [];
    const snapshots: ProgressSnapshot[] = [];
    for (let index = 0; index < job.tasks; index++) {
      const file = loadgenFiles.progress(stageIndex, index);
      const line = lastWholeLine(await this.executor.tail(job, file, 16_384));
      if (!line) continue;
      try {
        snapshots.push(JSON.parse(line) as ProgressSnapshot);
      } catch {
        // a torn line: the next pass reads a whole one
      }
    }
    return snapshots;
  }

  /**
   * Pushes each client's latest snapshot of `stage` to its own group (PUT: a re-push never
   * double-counts). The stage comes with its name: a sweep's or search's stages are made as the
   * run goes, so the recipe the relay started with does not know them (the status does).
   */
  async pushClients(
    job: JobRef | undefined,
    stage: { index: number; name: string } | null,
  ): Promise<ProgressSnapshot[]> {
    const stageIndex = stage?.index ?? null;
    const snapshots = await this.readClients(job, stageIndex);
    // With telemetry.directPushUrl the clients push for themselves (loadgen/direct-push.ts).
    if (!job || stageIndex === null || this.recipe.telemetry.directPushUrl) return snapshots;
    for (const snap of snapshots) {
      // Per stage, as loadgen's direct push names it: one job, a series set per stage.
      const component = `${clientComponentPrefix(stageIndex)}${snap.clientIndex}`;
      const previous = this.previous.get(component);
      // Same snapshot as last time: nothing new to say (and no rate to compute).
      if (previous?.timeMs === snap.timeMs) continue;
      this.previous.set(component, snap);
      selfMetrics.relayLag.set({ benchmark: this.benchmarkId }, Math.max(0, Date.now() - snap.timeMs) / 1000);
      const text = clientText(snap, previous, {
        benchmark: this.benchmarkId,
        recipe: this.recipe.name,
        stage_name: stage!.name,
      });
      await this.put(this.key({ stage: String(stageIndex), component }), text, `client ${component}`);
    }
    return snapshots;
  }

  /** Scrapes the service's /metrics through the executor, pushes it and keeps a raw copy. */
  async scrapeService(service: JobRef | undefined): Promise<void> {
    // Kinds without metrics (Ollama; an external service that names none) are not scraped, nor
    // is a deployment from its benchmarks' relays (it is not theirs: see README "Deployments").
    if (this.recipe.service.kind === 'deployment') return;
    const path = metricsPath(this.recipe.service);
    if (!path) return;
    const external = this.recipe.service.kind === 'external' ? this.recipe.service.url : null;
    if (!service && !external) return;
    try {
      if (!this.endpoint && external) {
        const at = new URL(external);
        this.endpoint = { address: at.host, endpoint: { url: at.origin, close: async () => undefined } };
      } else if (!this.endpoint && service) {
        const at = await announcedAddress(this.executor, service);
        if (!at) return;
        this.endpoint = {
          address: `${at.host}:${at.port}`,
          endpoint: await this.executor.endpoint(at.host, at.port),
        };
      }
      if (!this.endpoint) return;
      // node:http, not fetch: the service may listen on a port fetch refuses (see http-probe.ts).
      const res = await httpGet(
        `${this.endpoint.endpoint.url}${path}`,
        3000,
        authHeaders(this.recipe.workload.apiKeyEnv),
      );
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
      const parsed = parsePromText(res.body);
      const timeMs = Date.now();
      const file = join(paths.results(this.config, this.benchmarkId), resultFiles.serviceScrapes);
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

  /** At the run's end: its verdict against the references and its environment (`run-summary`). */
  async pushRunSummary(summary: BenchmarkSummary): Promise<void> {
    await this.put(this.key({ component: 'run-summary' }), runSummaryText(summary), 'run summary');
  }

  /**
   * Pushes the log copies' new lines to Loki; labels name the job and stream of each file. With
   * the in-job shipper (recipe telemetry.directLokiUrl) a task's lines are its own until it has
   * stopped, or until `final` (after teardown: no job runs, so no shipper pushes any more); then
   * the relay ships from the offsets it recorded (loadgen/log-ship.ts).
   */
  async shipLogs(jobs: JobRef[], options: { final?: boolean } = {}): Promise<void> {
    if (!this.loki) return;
    const dir = paths.logs(this.config, this.benchmarkId);
    const files: LogFile[] = [];
    for (const job of jobs) {
      for (let task = 0; task < job.tasks; task++) {
        const shipped = this.shipsOwnLogs(job) ? await this.shipperState(job, task) : null;
        if (shipped !== null && shipped.state !== 'stopped' && !options.final) continue;
        for (const stream of ['stdout', 'stderr'] as const) {
          const labels = logLabels(this.benchmarkId, job, task, stream);
          const key = jobFiles[stream](task);
          files.push({
            path: join(dir, logFiles[stream](labels.component!)),
            labels,
            ...(shipped ? { from: shipped.offsets[key] ?? 0 } : {}),
            ...(shipped?.pending?.key === key ? { replay: shipped.pending } : {}),
          });
        }
      }
    }
    await this.loki.ship(files).catch((err) => this.problem('Loki push', err));
  }

  /** The service and clients jobs run the shipper when the recipe names a Loki for the nodes. */
  private shipsOwnLogs(job: JobRef): boolean {
    if (!this.recipe.telemetry.directLokiUrl) return false;
    const role = parseJobName(this.benchmarkId, job.name)?.kind;
    return role === 'service' || role === 'clients';
  }

  /**
   * What the task's shipper recorded; a shipper that has not written yet holds all the task's
   * lines (`shipping` from 0). A stopped state is final: remembered, not read again.
   */
  private async shipperState(job: JobRef, task: number): Promise<LogShipState> {
    const key = `${job.name}/${task}`;
    const known = this.stoppedShippers.get(key);
    if (known) return known;
    const none: LogShipState = { version: 1, state: 'shipping', offsets: {} };
    try {
      const { data } = await this.executor.readFile(job, logShipFiles.state(task), 0, 1 << 20);
      const state = data.length > 0 ? (JSON.parse(data.toString('utf8')) as LogShipState) : none;
      if (state.state === 'stopped') this.stoppedShippers.set(key, state);
      return state;
    } catch (err) {
      this.problem('reading the log shipper state', err);
      return none;
    }
  }

  async closeEndpoint(): Promise<void> {
    const open = this.endpoint;
    this.endpoint = null;
    await open?.endpoint.close().catch(() => undefined);
  }
}
