/** Live progress of a running benchmark, from its status query and the relay's heartbeats. */

import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { BenchmarkStatus, RelayProgress } from '../core/benchmark';
import type { ProgressSnapshot } from '../core/loadgen-protocol';

export interface LiveView {
  status: BenchmarkStatus;
  clients: ProgressSnapshot[];
}

export async function readLiveView(handle: WorkflowHandle): Promise<LiveView | undefined> {
  try {
    const status = await handle.query<BenchmarkStatus>('status');
    const description = await handle.describe();
    const relay = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'relayTelemetry');
    const payload = relay?.heartbeatDetails?.payloads?.[0];
    const progress = payload ? defaultPayloadConverter.fromPayload<RelayProgress>(payload) : undefined;
    const clients = progress?.stageJob?.endsWith(`-s${status.stageIndex}-clients`) ? progress.clients : [];
    return { status, clients };
  } catch {
    return undefined; // not started yet, or a transient RPC failure: the next tick retries
  }
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${v.toFixed(1)}ms`);

/** One line, e.g. `loading c8 (1/1) 12s left | sent 1200 ok 1190 failed 0 inflight 8 | TTFT p50 41.2ms`. */
export function formatLiveLine(view: LiveView, nowMs: number): string {
  const { status, clients } = view;
  const parts: string[] = [status.phase];
  if (status.phase === 'loading' || status.phase === 'collecting') {
    parts.push(`${status.stageName} (${(status.stageIndex ?? 0) + 1}/${status.stageCount})`);
    if (status.stageEndsAtMs) {
      const left = Math.max(0, Math.round((status.stageEndsAtMs - nowMs) / 1000));
      parts.push(`${left}s left`);
    }
  }
  let line = parts.join(' ');
  if (clients.length > 0) {
    const sum = (f: (c: ProgressSnapshot) => number) => clients.reduce((a, c) => a + f(c), 0);
    const p50s = clients.map((c) => c.ttftP50Ms).filter((v): v is number => v !== null);
    const ttft = p50s.length ? p50s.reduce((a, b) => a + b, 0) / p50s.length : null;
    line +=
      ` | ${clients.length} clients: sent ${sum((c) => c.sent)} ok ${sum((c) => c.ok)} failed ${sum((c) => c.failed)}` +
      ` inflight ${sum((c) => c.inFlight)} | TTFT p50 ${ttft === null ? '-' : `~${ms(ttft)}`}`;
  }
  return line;
}
