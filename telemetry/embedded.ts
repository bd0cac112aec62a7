/**
 * Prometheus and Pushgateway for the embedded stack (`aifb dev`, `aifb run`, `make demo`)
 * and the telemetry tests: the Debian binaries, started on loopback with their state under
 * data/. Prometheus scrapes Pushgateway (honor_labels keeps our benchmark/stage/component
 * labels), the worker's and the API's /metrics.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnUntilReady } from '../core/node/child-server';

export const TELEMETRY_BINARIES = {
  prometheus: process.env.AIFB_PROMETHEUS_BIN ?? 'prometheus',
  pushgateway: process.env.AIFB_PUSHGATEWAY_BIN ?? 'prometheus-pushgateway',
};

export function binaryPath(name: string): string | null {
  if (name.includes('/')) return existsSync(name) ? name : null;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

export interface ScrapeTargets {
  pushgateway: string;
  /** host:port of aifb processes serving /metrics (worker, API). */
  aifb?: string[];
}

/** prometheus.yml for the embedded stack. */
export function prometheusConfig(targets: ScrapeTargets, intervalS = 2): string {
  const list = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ');
  return [
    'global:',
    `  scrape_interval: ${intervalS}s`,
    `  evaluation_interval: ${intervalS}s`,
    'scrape_configs:',
    '  - job_name: pushgateway',
    '    honor_labels: true',
    `    static_configs: [{ targets: [${list([targets.pushgateway])}] }]`,
    ...(targets.aifb && targets.aifb.length > 0
      ? ['  - job_name: aifb', `    static_configs: [{ targets: [${list(targets.aifb)}] }]`]
      : []),
    '',
  ].join('\n');
}

export interface RunningServer {
  url: string;
  /** false when an already-running server was adopted. */
  started: boolean;
  stop(): Promise<void>;
}

async function ready(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function launch(binary: string, args: string[], url: string, what: string): Promise<RunningServer> {
  const child = await spawnUntilReady({
    binary,
    args,
    ready: () => ready(url),
    what,
    where: url,
    timeoutMs: 30_000,
    pollMs: 200,
  });
  return { url, started: true, stop: () => child.stop() };
}

const adopted = (url: string): RunningServer => ({ url, started: false, stop: async () => {} });

export async function startPushgateway(options: { dataDir: string; port: number }): Promise<RunningServer> {
  const url = `http://127.0.0.1:${options.port}`;
  if (await ready(url)) return adopted(url);
  const dir = join(options.dataDir, 'pushgateway');
  await mkdir(dir, { recursive: true });
  return launch(
    TELEMETRY_BINARIES.pushgateway,
    [
      `--web.listen-address=127.0.0.1:${options.port}`,
      // Groups survive a restart; the retention janitor removes finished benchmarks' groups.
      `--persistence.file=${join(dir, 'groups.store')}`,
      '--persistence.interval=30s',
      // The check compares each push with every group held: 97 ms of CPU a PUT with 1,000
      // groups, 0.6 ms without (README "Scale"). What aifb pushes is consistent by construction
      // (one definition per metric, telemetry/run-metrics.ts); the telemetry tier checks the
      // exposition after real runs.
      '--push.disable-consistency-check',
    ],
    url,
    'Pushgateway',
  );
}

export async function startPrometheus(options: {
  dataDir: string;
  port: number;
  targets: ScrapeTargets;
  scrapeIntervalS?: number;
}): Promise<RunningServer> {
  const url = `http://127.0.0.1:${options.port}`;
  if (await ready(url)) return adopted(url);
  const dir = join(options.dataDir, 'prometheus');
  await mkdir(join(dir, 'tsdb'), { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, prometheusConfig(options.targets, options.scrapeIntervalS));
  return launch(
    TELEMETRY_BINARIES.prometheus,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${options.port}`,
      '--storage.tsdb.retention.time=30d',
      '--web.enable-lifecycle',
    ],
    url,
    'Prometheus',
  );
}
