/**
 * What a run pushes at its end, beside the per-stage `aifb_stage_*` results: the verdict against
 * its references (for the Grafana trends page) and the run's environment as an info series.
 * Pure: exposition text; activities/run-telemetry.ts pushes it to the `run-summary` group.
 */
import { gpuLine } from '../core/history';
import type { BenchmarkSummary } from '../core/summary-format';
import { ExpositionBuilder } from './exposition';

const VERDICT_CODE = { fail: 0, pass: 1, none: -1 } as const;

export function runSummaryText(summary: BenchmarkSummary): string {
  const b = new ExpositionBuilder({ benchmark: summary.benchmarkId, recipe: summary.recipeName });
  const env = summary.environment;
  if (env) {
    const service = env.jobs.find((j) => j.role === 'service' || j.role === 'deployment-service')?.tasks[0];
    b.gauge(
      'aifb_benchmark_info',
      'The run: aifb version, recipe hash, what served and where (value 1).',
      1,
      {
        aifb_version: env.aifb.version,
        aifb_commit: env.aifb.commit ?? '',
        recipe_hash: env.recipeHash,
        service_kind: env.service.kind,
        service_version: env.service.version ?? '',
        model: env.service.models[0] ?? env.service.model,
        service_node: service?.hostname ?? '',
        cpu_model: service?.cpuModel ?? '',
        gpus: gpuLine(env) ?? '',
      },
    );
  }
  const v = summary.verdict;
  if (!v) return b.text();
  b.gauge(
    'aifb_benchmark_verdict',
    'Verdict against the references: 1 pass, 0 fail (a regression), -1 nothing to check.',
    VERDICT_CODE[v.outcome],
  ).add('gauge', 'aifb_benchmark_verdict_checks', 'Reference checks of the run, by result.', [
    [{ result: 'passed' }, v.checked - v.failed],
    [{ result: 'failed' }, v.failed],
  ]);
  const labels = (c: (typeof v.checks)[number]) => ({
    stage_name: c.stage,
    figure: c.figure,
    source: c.source,
  });
  b.add(
    'gauge',
    'aifb_stage_reference_pass',
    'Whether the stage figure is within its reference bounds (1) or not (0).',
    v.checks.map((c) => [labels(c), c.pass ? 1 : 0]),
  )
    .add(
      'gauge',
      'aifb_stage_reference_measured',
      "The figure as measured (its unit is the figure path's).",
      v.checks.map((c) => [labels(c), c.value]),
    )
    .add(
      'gauge',
      'aifb_stage_reference_value',
      'The reference value of the figure.',
      v.checks.map((c) => [labels(c), c.figure === '*' ? null : c.reference.value]),
    )
    .add(
      'gauge',
      'aifb_stage_reference_lower_bound',
      'The lowest value the reference allows (absent: unbounded).',
      v.checks.map((c) => [labels(c), c.bounds.low]),
    )
    .add(
      'gauge',
      'aifb_stage_reference_upper_bound',
      'The highest value the reference allows (absent: unbounded).',
      v.checks.map((c) => [labels(c), c.bounds.high]),
    );
  return b.text();
}
