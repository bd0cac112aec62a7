/**
 * What the relay pushes for a benchmark, as exposition text. Pure: the relay does the I/O.
 * Every series carries `benchmark` and `recipe`; grouping keys add `stage` and `component`.
 */
import type { BenchmarkStatus } from '../core/contract';
import type { ProgressSnapshot } from '../core/loadgen-protocol';
import { PHASES, type Phase } from '../core/phases';
import { ExpositionBuilder } from './exposition';
import type { GpuRow, ProcRow } from './system-samples';

/**
 * The code `aifb_benchmark_phase_code` uses (for Grafana state timelines): the phase's place in
 * the contract's list, 0 validating … 6 done, 7 failed, 8 cancelled. Dashboards rely on these
 * numbers: new phases go at the end of PHASES.
 */
export const PHASE_CODES = Object.fromEntries(PHASES.map((phase, code) => [phase, code])) as Record<
  Phase,
  number
>;

/**
 * `stageRequestedRatePerS` is the open-loop rate the recipe asks of the current stage (null for a
 * closed loop): the live "achieved vs asked" view needs it before the stage's summary exists.
 */
export function statusText(
  status: BenchmarkStatus,
  recipe: string,
  stageRequestedRatePerS: number | null = null,
): string {
  const b = new ExpositionBuilder({ benchmark: status.benchmarkId, recipe });
  const entered = new Map<Phase, number>();
  for (const p of status.phases) entered.set(p.phase, p.atMs);
  b.add(
    'gauge',
    'aifb_benchmark_phase',
    'Current phase of the benchmark: 1 for the phase it is in, 0 for the others.',
    (Object.keys(PHASE_CODES) as Phase[]).map((phase) => [{ phase }, phase === status.phase ? 1 : 0]),
  )
    .gauge(
      'aifb_benchmark_phase_code',
      'Current phase as a number (0 validating, 1 deploying, 2 waiting-for-health, 3 loading, 4 collecting, 5 tearing-down, 6 done, 7 failed, 8 cancelled, 9 pulling-image, 10 queued).',
      PHASE_CODES[status.phase],
    )
    .add(
      'gauge',
      'aifb_benchmark_phase_entered_timestamp_seconds',
      'When the benchmark last entered each phase (Unix seconds).',
      [...entered].map(([phase, atMs]) => [{ phase }, atMs / 1000]),
    )
    .gauge(
      'aifb_benchmark_stage',
      'Index of the stage being loaded or collected; absent outside stages.',
      status.stageIndex,
      status.stageName ? { stage_name: status.stageName } : {},
    )
    .gauge(
      'aifb_benchmark_stages',
      'Number of stages of the run as far as known (grows while a capacity search probes).',
      status.stageCount,
    )
    .gauge(
      'aifb_benchmark_stage_planned_end_timestamp_seconds',
      'When the current stage is planned to stop sending (Unix seconds).',
      status.stageEndsAtMs === null ? null : status.stageEndsAtMs / 1000,
    )
    .gauge(
      'aifb_benchmark_stage_rate_requested_per_second',
      'Send rate the recipe asks of the current stage (open loop only).',
      status.stageIndex === null ? null : stageRequestedRatePerS,
      status.stageName ? { stage_name: status.stageName } : {},
    );
  // Stage windows for Grafana annotations: the measured window of every finished stage.
  const windows = status.stages.flatMap((s) => {
    const w = (s as { window?: { startMs?: number; endMs?: number } }).window;
    return w?.startMs !== undefined && w.endMs !== undefined
      ? [{ stage: String(s.index), stage_name: s.name, startMs: w.startMs, endMs: w.endMs }]
      : [];
  });
  b.add(
    'gauge',
    'aifb_stage_window_start_timestamp_seconds',
    'Start of each finished stage measured window (Unix seconds).',
    windows.map((w) => [{ stage: w.stage, stage_name: w.stage_name }, w.startMs / 1000]),
  ).add(
    'gauge',
    'aifb_stage_window_end_timestamp_seconds',
    'End of each finished stage measured window (Unix seconds).',
    windows.map((w) => [{ stage: w.stage, stage_name: w.stage_name }, w.endMs / 1000]),
  );
  return b.text();
}

const QUANTILE_FIELD = /^([a-z][a-zA-Z0-9]*?)P(\d+)Ms$/;
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/**
 * One client's live numbers from its latest progress snapshot. Latency quantile fields
 * (`ttftP99Ms`, `itlP50Ms`...) become `aifb_client_<name>_seconds{quantile}`; rates come from
 * the difference to the previous snapshot of the same client (absent on the first).
 */
export function clientText(
  snap: ProgressSnapshot,
  previous: ProgressSnapshot | undefined,
  labels: { benchmark: string; recipe: string; stage_name: string },
): string {
  const b = new ExpositionBuilder({ ...labels, client: String(snap.clientIndex) });
  const fields = snap as unknown as Record<string, unknown>;
  b.add('counter', 'aifb_client_requests_total', 'Requests completed since the client started, by outcome.', [
    [{ outcome: 'ok' }, snap.ok],
    [{ outcome: 'failed' }, snap.failed],
  ])
    .counter('aifb_client_requests_sent_total', 'Requests sent since the client started.', snap.sent)
    .gauge('aifb_client_in_flight', 'Requests in flight.', snap.inFlight)
    .counter('aifb_client_output_tokens_total', 'Output tokens received.', snap.outputTokens)
    .add(
      'gauge',
      'aifb_client_phase',
      'Stage part the client is in: 1 for the current one.',
      (['warmup', 'measuring', 'cooldown', 'done'] as const).map((p) => [
        { phase: p },
        p === snap.phase ? 1 : 0,
      ]),
    )
    .gauge(
      'aifb_client_snapshot_timestamp_seconds',
      'When the snapshot was taken (Unix seconds).',
      snap.timeMs / 1000,
    );
  const errors = fields.errors;
  if (errors && typeof errors === 'object') {
    b.add(
      'counter',
      'aifb_client_errors_total',
      'Failed requests by kind (http_<status>, timeout, connection, malformed_stream, aborted...).',
      Object.entries(errors as Record<string, number>).map(([kind, n]) => [{ kind }, n]),
    );
  }
  const quantiles = new Map<string, [Record<string, string>, number | null][]>();
  for (const [key, value] of Object.entries(fields)) {
    const m = QUANTILE_FIELD.exec(key);
    if (!m || (typeof value !== 'number' && value !== null)) continue;
    const metric = `aifb_client_${snake(m[1]!)}_seconds`;
    const digits = m[2]!;
    const quantile = String(Number(`0.${digits}`)); // "0.5", "0.99", "0.999"
    const list = quantiles.get(metric) ?? [];
    quantiles.set(metric, list);
    list.push([{ quantile }, value === null ? null : value / 1000]);
  }
  for (const [metric, series] of quantiles) {
    b.add('gauge', metric, 'Latency quantile over the measured window so far (seconds).', series);
  }
  for (const [key, value] of Object.entries(fields)) {
    // Other scalar numbers the loadgen reports (schedule lag, CPU use...) pass through by name.
    if (typeof value !== 'number' || QUANTILE_FIELD.test(key) || KNOWN.has(key)) continue;
    b.gauge(`aifb_client_${snake(key)}`, `Loadgen progress field ${key}.`, value);
  }
  if (previous && snap.timeMs > previous.timeMs) {
    const dt = (snap.timeMs - previous.timeMs) / 1000;
    b.gauge(
      'aifb_client_requests_per_second',
      'Completed requests per second since the previous snapshot.',
      (snap.ok + snap.failed - previous.ok - previous.failed) / dt,
    )
      .gauge(
        'aifb_client_sent_per_second',
        'Achieved send rate since the previous snapshot.',
        (snap.sent - previous.sent) / dt,
      )
      .gauge(
        'aifb_client_output_tokens_per_second',
        'Output tokens per second since the previous snapshot.',
        (snap.outputTokens - previous.outputTokens) / dt,
      );
  }
  return b.text();
}

const KNOWN = new Set([
  'version',
  'clientIndex',
  'timeMs',
  'elapsedMs',
  'sent',
  'ok',
  'failed',
  'inFlight',
  'outputTokens',
  'stageIndex',
]);

/** The series of a stage figure, by its dotted path: `latencyMs.ttft.p99` → aifb_stage_latency_ms_ttft_p99. */
export const stageSeriesName = (path: string) =>
  `aifb_stage_${path
    .split('.')
    .map(snake)
    .join('_')
    .replace(/[^a-zA-Z0-9_]/g, '_')}`;

/**
 * Every number in a stage summary, as `aifb_stage_<path>` (e.g. aifb_stage_latency_ms_ttft_p99),
 * booleans as 1/0 (aifb_stage_validity_valid), and each failed validity rule as
 * `aifb_stage_validity_failed{rule} 1`, so dashboards can show the verdicts.
 */
export function stageSummaryText(summary: object, labels: Record<string, string>): string {
  const b = new ExpositionBuilder(labels);
  const walk = (value: unknown, path: string[]) => {
    if (typeof value === 'number' || typeof value === 'boolean') {
      b.gauge(stageSeriesName(path.join('.')), `summary.json stages[].${path.join('.')}`, Number(value));
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(summary, []);
  const failures = (summary as { validity?: { failures?: { rule: string }[] } }).validity?.failures ?? [];
  b.add(
    'gauge',
    'aifb_stage_validity_failed',
    'Validity rules the stage failed (core/validity.ts), 1 each.',
    [...new Set(failures.map((f) => f.rule))].map((rule) => [{ rule }, 1]),
  );
  return b.text();
}

/** The service's process tree and GPUs, from the sampler's latest rows. */
export function systemText(
  proc: ProcRow | undefined,
  gpus: GpuRow[],
  gpuAbsent: string | null,
  labels: Record<string, string>,
): string {
  const b = new ExpositionBuilder(labels);
  if (proc) {
    b.counter('aifb_service_cpu_seconds_total', 'CPU time of the service process tree.', proc.cpuSeconds)
      .gauge(
        'aifb_service_resident_memory_bytes',
        'Resident memory of the service process tree.',
        proc.rssBytes,
      )
      .gauge('aifb_service_processes', 'Processes in the service process tree.', proc.processes);
  }
  b.gauge(
    'aifb_gpu_present',
    '1 when the service node has nvidia-smi, 0 when it reported no GPU.',
    gpuAbsent === null ? (gpus.length > 0 ? 1 : null) : 0,
  );
  const g = (name: string, help: string, f: (r: GpuRow) => number | null) =>
    b.add(
      'gauge',
      name,
      help,
      gpus.map((r) => [{ gpu: String(r.index), uuid: r.uuid }, f(r)]),
    );
  g('aifb_gpu_utilization_ratio', 'GPU utilisation (0-1).', (r) =>
    r.utilizationPct === null ? null : r.utilizationPct / 100,
  );
  g('aifb_gpu_memory_used_bytes', 'GPU memory used.', (r) =>
    r.memoryUsedMiB === null ? null : r.memoryUsedMiB * 2 ** 20,
  );
  g('aifb_gpu_memory_total_bytes', 'GPU memory.', (r) =>
    r.memoryTotalMiB === null ? null : r.memoryTotalMiB * 2 ** 20,
  );
  g('aifb_gpu_power_watts', 'GPU power draw.', (r) => r.powerW);
  g('aifb_gpu_temperature_celsius', 'GPU temperature.', (r) => r.temperatureC);
  return b.text();
}
