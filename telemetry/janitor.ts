/**
 * Pushgateway keeps every group until it is deleted, and Prometheus would go on scraping a
 * finished benchmark's last values forever. The janitor deletes the groups of benchmarks that
 * ended (their status group shows done/failed/cancelled) longer than the retention ago, and
 * any aifb group nobody has pushed to for a day (a relay that never came back).
 * Prometheus keeps the data already scraped; only the stale live series go.
 */

import type { TelemetryConfig } from '../core/node/config';
import { PUSH_JOB, type PushedGroup, Pushgateway } from './pushgateway';
import { PHASE_CODES } from './run-metrics';

const ABANDONED_MS = 24 * 3_600_000;
const TERMINAL_CODES = new Set([PHASE_CODES.done, PHASE_CODES.failed, PHASE_CODES.cancelled]);

/** The groups to delete now (pure). */
export function expiredGroups(groups: PushedGroup[], retentionMs: number, nowMs: number): PushedGroup[] {
  const ours = groups.filter((g) => g.labels.job === PUSH_JOB && g.labels.benchmark);
  const newestPush = new Map<string, number>();
  const ended = new Set<string>();
  for (const g of ours) {
    const b = g.labels.benchmark!;
    newestPush.set(b, Math.max(newestPush.get(b) ?? 0, g.lastPushMs ?? 0));
    const code = g.gauges.aifb_benchmark_phase_code;
    if (g.labels.component === 'workflow' && code !== undefined && TERMINAL_CODES.has(code)) ended.add(b);
  }
  return ours.filter((g) => {
    const b = g.labels.benchmark!;
    const idle = nowMs - (newestPush.get(b) ?? 0);
    return (ended.has(b) && idle >= retentionMs) || idle >= ABANDONED_MS;
  });
}

/** One sweep; returns how many groups were deleted. */
export async function sweepPushgateway(
  push: Pushgateway,
  retentionMs: number,
  nowMs = Date.now(),
): Promise<number> {
  const expired = expiredGroups(await push.groups(), retentionMs, nowMs);
  for (const g of expired) {
    const { job: _job, ...key } = g.labels;
    await push.delete(key);
  }
  return expired.length;
}

/** Sweeps now and then every minute until stopped. */
export function startJanitor(push: Pushgateway, retentionMs: number, log: (m: string) => void): () => void {
  const sweep = () =>
    sweepPushgateway(push, retentionMs).then(
      (n) => n > 0 && log(`Pushgateway retention: deleted ${n} group(s) of finished benchmarks`),
      () => undefined, // Pushgateway down: next minute
    );
  void sweep();
  const timer = setInterval(sweep, 60_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** The janitor for the configured Pushgateway and retention; a no-op without one or with `keep`. */
export function startRetention(telemetry: TelemetryConfig | undefined, log: (m: string) => void): () => void {
  if (!telemetry?.pushgatewayUrl || telemetry.pushRetentionMs === null) return () => {};
  return startJanitor(new Pushgateway(telemetry.pushgatewayUrl), telemetry.pushRetentionMs, log);
}
