/**
 * Live metrics for a CLI that runs the worker itself (`aifb dev`, `aifb run`, `make demo`):
 * uses the configured Pushgateway/Prometheus, else starts (or adopts) the Debian binaries on
 * their default ports, serves the worker's own /metrics, and runs the retention janitor.
 * Without the binaries the run goes on and says plainly that live metrics are off.
 */
import { type AifbConfig, loadTelemetryConfig, type TelemetryConfig } from '../core/node/config';
import {
  binaryPath,
  type RunningServer,
  startPrometheus,
  startPushgateway,
  TELEMETRY_BINARIES,
} from './embedded';
import { startRetention } from './janitor';
import { serveWorkerMetrics } from './self-metrics';

export interface TelemetryStack {
  telemetry: TelemetryConfig;
  /** Lines for the user: where to look, or why live metrics are off. */
  notes: string[];
  stop(): Promise<void>;
}

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export async function startTelemetryStack(
  config: AifbConfig,
  extraTargets: string[] = [],
): Promise<TelemetryStack> {
  const telemetry: TelemetryConfig = config.telemetry ?? loadTelemetryConfig({});
  const notes: string[] = [];
  const started: RunningServer[] = [];
  const stops: (() => unknown)[] = [];

  const workerMetrics = await serveWorkerMetrics();
  stops.push(() => workerMetrics.close());
  if (!workerMetrics.target && workerMetrics.note) notes.push(workerMetrics.note);

  if (!telemetry.pushgatewayUrl) {
    const missing = [TELEMETRY_BINARIES.pushgateway, TELEMETRY_BINARIES.prometheus].filter(
      (b) => !binaryPath(b),
    );
    if (missing.length > 0) {
      notes.push(
        `live metrics are off: ${missing.join(' and ')} not installed (\`make setup\` installs them from Debian, or set AIFB_PUSHGATEWAY_URL / AIFB_PROMETHEUS_URL)`,
      );
    } else {
      try {
        const pushgateway = await startPushgateway({
          dataDir: config.dataDir,
          port: port('AIFB_PUSHGATEWAY_PORT', 9091),
        });
        started.push(pushgateway);
        const prometheus = await startPrometheus({
          dataDir: config.dataDir,
          port: port('AIFB_PROMETHEUS_PORT', 9090),
          targets: {
            pushgateway: pushgateway.url.replace(/^http:\/\//, ''),
            aifb: [...(workerMetrics.target ? [workerMetrics.target] : []), ...extraTargets],
          },
        });
        started.push(prometheus);
        telemetry.pushgatewayUrl = pushgateway.url;
        telemetry.prometheusUrl ??= prometheus.url;
        notes.push(
          `live metrics: Prometheus ${prometheus.url}${prometheus.started ? '' : ' (already running)'}, Pushgateway ${pushgateway.url}`,
        );
      } catch (err) {
        notes.push(`live metrics are off: ${(err as Error).message}`);
      }
    }
  } else {
    notes.push(
      `live metrics: Pushgateway ${telemetry.pushgatewayUrl}, Prometheus ${telemetry.prometheusUrl ?? '(not configured)'}`,
    );
  }
  stops.push(startRetention(telemetry, () => {}));
  config.telemetry = telemetry;
  return {
    telemetry,
    notes,
    async stop() {
      for (const stop of stops) await stop();
      for (const server of started.reverse()) await server.stop();
    },
  };
}
