/**
 * Real Prometheus and Pushgateway (Debian binaries) on free ports for one test file, started
 * by the same code as the embedded stack (telemetry/embedded.ts), scraping every second.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { binaryPath, startPrometheus, startPushgateway, TELEMETRY_BINARIES } from '../../telemetry/embedded';
import { PrometheusApi, type VectorSample } from '../../telemetry/prometheus';
import { freePort } from '../integration/harness';

export interface PromStack {
  pushgatewayUrl: string;
  prometheusUrl: string;
  api: PrometheusApi;
  stop(): Promise<void>;
}

export async function startPromStack(): Promise<PromStack> {
  for (const binary of Object.values(TELEMETRY_BINARIES)) {
    if (!binaryPath(binary)) {
      throw new Error(
        `${binary} is not installed: the telemetry tier needs the Debian packages (run \`make setup\` as root)`,
      );
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'aifb-prom-'));
  const pushgateway = await startPushgateway({ dataDir, port: await freePort() });
  const prometheus = await startPrometheus({
    dataDir,
    port: await freePort(),
    targets: { pushgateway: pushgateway.url.replace('http://', '') },
    scrapeIntervalS: 1,
  });
  return {
    pushgatewayUrl: pushgateway.url,
    prometheusUrl: prometheus.url,
    api: new PrometheusApi(prometheus.url),
    async stop() {
      await prometheus.stop();
      await pushgateway.stop();
    },
  };
}

/** Polls an instant query until `ok` accepts its result (Prometheus scrapes every second). */
export async function eventually(
  api: PrometheusApi,
  expr: string,
  ok: (r: VectorSample[]) => boolean,
  timeoutMs = 15_000,
): Promise<VectorSample[]> {
  const deadline = Date.now() + timeoutMs;
  let last: VectorSample[] = [];
  for (;;) {
    last = await api.query(expr);
    if (ok(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`${expr}: never as expected; last result ${JSON.stringify(last)}`);
    await sleep(500);
  }
}
