/** Post-mortem: one finished benchmark, stage by stage, from the `aifb_stage_*` series and its logs. */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import {
  type BuiltDashboard,
  booleanMappings,
  finish,
  LOKI,
  logQuery,
  lokiVariable,
  newDashboard,
  PROM,
  panel,
  phaseAnnotation,
  prom,
  promVariable,
  UNIT,
} from './common';
import { type Column, lastOf, stageTable } from './stage-table';

const S = '{benchmark="$benchmark"}';
const m = (name: string) => `aifb_stage_${name}${S}`;
const col = (label: string, name: string, unit: string): Column => ({ label, expr: m(name), unit });

/** The measured window of every finished stage, as start and end annotations. */
function windowAnnotation(edge: 'start' | 'end', color: string) {
  return new dashboard.AnnotationQueryBuilder()
    .name(`Stage window ${edge}`)
    .datasource(PROM)
    .enable(true)
    .iconColor(color)
    .expr(`max by (stage_name) (aifb_stage_window_${edge}_timestamp_seconds${S}) * 1000`)
    .useValueForTime(true)
    .titleFormat(`{{stage_name}} ${edge}`)
    .textFormat(`measured window of stage {{stage_name}} ${edge === 'start' ? 'starts' : 'ends'}`)
    .step('10s');
}

export function postMortem(): BuiltDashboard {
  const benchmark = new dashboard.QueryVariableBuilder('benchmark')
    .label('Benchmark')
    .description('Benchmarks with stage results in the time range (newest ids first).')
    .datasource(PROM)
    .query('label_values(aifb_stage_requests_ok, benchmark)')
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalDesc)
    .allowCustomValue(true);

  const b = newDashboard(
    'aifb / Post-mortem',
    'aifb-post-mortem',
    "One benchmark after the fact: each stage's figures and validity, the server side, energy, and the run's logs. Pick a time range that covers the run.",
  )
    .time({ from: 'now-6h', to: 'now' })
    .withVariable(promVariable())
    .withVariable(lokiVariable())
    .withVariable(benchmark)
    .annotation(windowAnnotation('start', 'green'))
    .annotation(windowAnnotation('end', 'red'))
    .annotation(phaseAnnotation(S));

  b.withRow(new dashboard.RowBuilder('Stages'))
    .withPanel(
      stageTable(
        'Stage results',
        "Each stage's headline figures as summary.json has them: requests, throughput, goodput and the rate against what was asked.",
        [
          col('requests ok', 'requests_ok', UNIT.count),
          col('failed', 'requests_failed', UNIT.count),
          col('req/s', 'throughput_requests_per_s', UNIT.reqps),
          col('output tok/s', 'throughput_output_tokens_per_s', UNIT.tokps),
          col('goodput req/s', 'goodput_requests_per_s', UNIT.reqps),
          col('SLO met', 'goodput_fraction', UNIT.ratio),
          col('rate achieved', 'rate_achieved_per_s', UNIT.reqps),
          col('rate asked', 'rate_requested_per_s', UNIT.reqps),
          col('window', 'window_s', UNIT.seconds),
        ],
      ),
    )
    .withPanel(
      stageTable(
        'Latency by stage',
        'p50 and p99 of TTFT, TPOT, ITL and E2E per stage, merged exactly over every client (HDR histograms).',
        ['ttft', 'tpot', 'itl', 'e2e'].flatMap((f) =>
          ['p50', 'p99'].map((q) => col(`${f.toUpperCase()} ${q}`, `latency_ms_${f}_${q}`, UNIT.ms)),
        ),
      ),
    )
    .withPanel(
      panel(
        new table.PanelBuilder()
          .unit(UNIT.none)
          .mappings(booleanMappings('valid', 'INVALID'))
          .withTransformation({ id: 'merge', options: {} })
          .withTransformation({
            id: 'organize',
            options: {
              excludeByName: { Time: true },
              renameByName: { 'Value #A': 'verdict', 'Value #B': 'failed' },
            },
          }),
        {
          title: 'Validity',
          description:
            'Whether each stage measured what was asked (aifb_stage_validity_valid) and which rules it failed (aifb_stage_validity_failed{rule}: service-alive, clients-reported, error-rate, requests-sent, rate-achieved, loadgen-saturated).',
          w: 12,
          h: 7,
          targets: [
            prom(lastOf(m('validity_valid')), '', { instant: true, table: true }),
            prom(
              `max by (stage, stage_name, rule) (last_over_time(aifb_stage_validity_failed${S}[$__range]))`,
              '',
              { instant: true, table: true },
            ),
          ],
        },
      ),
    )
    .withPanel(
      stageTable(
        'Load generators',
        "The load generators' own load per stage: the worst client's CPU and event-loop use, and the schedule lag p99 (open loop).",
        [
          col('loadgen CPU max', 'loadgen_cpu_cores_max', UNIT.cores),
          col('event loop max', 'loadgen_event_loop_utilization_max', UNIT.ratio),
          col('schedule lag p99', 'schedule_lag_ms_p99', UNIT.ms),
        ],
        12,
        7,
      ),
    );

  b.withRow(new dashboard.RowBuilder('Server side and energy'))
    .withPanel(
      stageTable(
        'Server side by stage',
        "The service's own figures over each measured window: running and waiting requests and KV-cache use (from its /metrics), its process tree's CPU and peak RSS (from the sampler).",
        [
          col('running mean', 'server_running_requests_mean', UNIT.count),
          col('running max', 'server_running_requests_max', UNIT.count),
          col('waiting mean', 'server_waiting_requests_mean', UNIT.count),
          col('KV cache mean', 'server_kv_cache_usage_mean', UNIT.ratio),
          col('service CPU mean', 'system_process_cpu_cores_mean', UNIT.cores),
          col('service RSS max', 'system_process_rss_max_bytes', UNIT.bytes),
        ],
      ),
    )
    .withPanel(
      stageTable(
        'GPU and energy by stage',
        'GPU utilisation and power over each window, the energy of the GPUs (trapezoid rule) and joules per output token. Empty on nodes without GPUs.',
        [
          col('GPU util mean', 'system_gpu_utilization_mean_pct', 'percent'),
          col('GPU power mean', 'system_gpu_power_mean_w', UNIT.watts),
          col('energy', 'system_energy_j', UNIT.joules),
          col('energy per output token', 'system_joules_per_output_token', UNIT.joulesPerToken),
        ],
      ),
    );

  b.withRow(new dashboard.RowBuilder('During the run'))
    .withPanel(
      panel(new timeseries.PanelBuilder().unit(UNIT.reqps), {
        title: 'Requests per second during the run',
        description: 'Completed requests per second over the run, by stage (warm-up and cool-down included).',
        w: 12,
        h: 8,
        targets: [prom(`sum by (stage_name) (aifb_client_requests_per_second${S})`, '{{stage_name}}')],
      }),
    )
    .withPanel(
      panel(new timeseries.PanelBuilder().unit(UNIT.seconds), {
        title: 'TTFT p99 during the run',
        description: "Each client's TTFT p99 over its measured window so far, by stage.",
        w: 12,
        h: 8,
        targets: [
          prom(
            `aifb_client_ttft_seconds{benchmark="$benchmark", quantile="0.99"}`,
            '{{stage_name}} client {{client}}',
          ),
        ],
      }),
    );

  b.withRow(new dashboard.RowBuilder('Logs'))
    .withPanel(
      panel(
        new logs.PanelBuilder().showTime(true).wrapLogMessage(true).sortOrder(common.LogsSortOrder.Ascending),
        {
          title: 'Logs of the run',
          description: "Every job's stdout and stderr of this benchmark, oldest first.",
          w: 16,
          h: 12,
          datasource: LOKI,
          targets: [logQuery(S)],
        },
      ),
    )
    .withPanel(
      panel(
        new logs.PanelBuilder().showTime(true).wrapLogMessage(true).sortOrder(common.LogsSortOrder.Ascending),
        {
          title: 'stderr of the run',
          description: 'Only the stderr streams: where a failed service or client says why.',
          w: 8,
          h: 12,
          datasource: LOKI,
          targets: [logQuery('{benchmark="$benchmark", stream="stderr"}')],
        },
      ),
    );

  return finish('post-mortem.json', b);
}
