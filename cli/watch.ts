/**
 * `aifb watch ID` (and `aifb run`): live progress bars per stage and per client until the
 * benchmark ends. Redraws in place on a terminal; elsewhere prints a line when something changes.
 */
import type { BenchmarkControl, BenchmarkView } from '../control/types';
import type { ProgressSnapshot } from '../core/loadgen-protocol';

const BAR_WIDTH = 24;

export function bar(fraction: number, width = BAR_WIDTH): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(clamped * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.round(clamped * 100)).padStart(3)}%`;
}

const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)}ms`);

/** When the current stage's load started: the last time the run entered `loading`. */
function stageStartMs(view: BenchmarkView): number | null {
  const entries = view.live?.phases.filter((p) => p.phase === 'loading') ?? [];
  return entries.at(-1)?.atMs ?? null;
}

function clientLine(c: ProgressSnapshot, plannedMs: number | null): string {
  const progress = plannedMs ? bar(c.elapsedMs / plannedMs, 16) : '';
  return (
    `    client ${c.clientIndex} ${progress} ${c.phase.padEnd(9)} sent ${c.sent} ok ${c.ok} failed ${c.failed}` +
    ` inflight ${c.inFlight} | TTFT p50 ${ms(c.ttftP50Ms)} p99 ${ms(c.ttftP99Ms)}`
  );
}

/** The lines of one frame. Pure: `nowMs` is passed in. */
export function renderWatch(view: BenchmarkView, nowMs: number): string[] {
  const live = view.live;
  const phase = live?.phase ?? view.phase ?? '-';
  const lines = [`${view.benchmarkId} (${view.recipeName ?? '?'}) ${view.status}: ${phase}`];
  if (!live) return lines;
  const start = stageStartMs(view);
  const planned = start !== null && live.stageEndsAtMs !== null ? live.stageEndsAtMs - start : null;
  for (let index = 0; index < live.stageCount; index++) {
    const done = live.stages.find((s) => s.index === index);
    const label = `  stage ${index + 1}/${live.stageCount}`;
    if (done) {
      lines.push(
        `${label} ${done.name.padEnd(12)} ${bar(1)} done: ${done.requests.ok} ok, ${done.throughput.requestsPerS.toFixed(2)} req/s`,
      );
    } else if (index === live.stageIndex && live.stageEndsAtMs !== null && start !== null) {
      const left = Math.max(0, Math.round((live.stageEndsAtMs - nowMs) / 1000));
      lines.push(
        `${label} ${(live.stageName ?? '').padEnd(12)} ${bar((nowMs - start) / (planned ?? 1))} ${left}s left`,
      );
      for (const client of [...view.clients].sort((a, b) => a.clientIndex - b.clientIndex)) {
        lines.push(clientLine(client, planned));
      }
    } else if (index === live.stageIndex) {
      lines.push(`${label} ${(live.stageName ?? '').padEnd(12)} ${bar(1)} ${phase}`);
    } else {
      lines.push(`${label} ${''.padEnd(12)} ${bar(0)} waiting`);
    }
  }
  if (live.stopRequested) lines.push('  stop requested: finishing the current stage, then teardown');
  return lines;
}

/** Phase, stage and clients reporting: a change here is worth a line in a log file. */
const headline = (view: BenchmarkView) =>
  `${view.status} ${view.live?.phase ?? view.phase} ${view.live?.stageName ?? ''} ${view.clients.length}`;

/** Polls until the run is no longer running; returns its last view. */
export async function watchUntilEnd(
  control: BenchmarkControl,
  benchmarkId: string,
  out: NodeJS.WriteStream = process.stderr,
  intervalMs = 1000,
): Promise<BenchmarkView> {
  let drawn = 0;
  let lastHeadline = '';
  let lastPrinted = 0;
  for (;;) {
    const view = await control.status(benchmarkId);
    if (out.isTTY) {
      const lines = renderWatch(view, Date.now());
      // Move up over the previous frame and clear it, then draw the new one.
      out.write(`${drawn ? `\x1b[${drawn}A\x1b[J` : ''}${lines.join('\n')}\n`);
      drawn = lines.length;
    } else if (headline(view) !== lastHeadline || Date.now() - lastPrinted > 10_000) {
      out.write(`${renderWatch(view, Date.now()).join('\n')}\n`);
      lastHeadline = headline(view);
      lastPrinted = Date.now();
    }
    if (view.status !== 'running') return view;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
