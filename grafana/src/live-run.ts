/** Live run: where the running benchmarks are, what load they send and get, the service and the loadgen. */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
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
  phaseMappings,
  prom,
  promVariable,
  UNIT,
} from './common';
import { serviceSeries } from './service-series';

const S = '{benchmark=~"$benchmark"}';
/** The same selector with one more matcher. */
const s = (extra: string) => `{benchmark=~"$benchmark", ${extra}}`;

const ts = (unit: string) => new timeseries.PanelBuilder().unit(unit);
const big = (unit: string) =>
  new stat.PanelBuilder()
    .unit(unit)
    .graphMode(common.BigValueGraphMode.None)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']));

/** One latency figure: each client's quantiles live, their max, and the exact merge at stage end. */
function latency(name: string, field: string, quantiles: string, summaryKey: string) {
  return panel(ts(UNIT.seconds), {
    title: `${name} per client and merged`,
    description: `${name} quantiles over each client's measured window so far (aifb_client_${field}_seconds), the worst client as the live merged bound, and the exact merge of every client's histogram once a stage ended (aifb_stage_latency_ms_${summaryKey}_p99).`,
    w: 12,
    h: 8,
    targets: [
      prom(
        `aifb_client_${field}_seconds${s(`quantile=~"${quantiles}"`)}`,
        '{{benchmark}} client {{client}} p{{quantile}}',
      ),
      prom(
        `max by (benchmark, quantile) (aifb_client_${field}_seconds${s(`quantile=~"${quantiles}"`)})`,
        '{{benchmark}} worst client p{{quantile}}',
      ),
      prom(
        `max by (benchmark, stage_name) (aifb_stage_latency_ms_${summaryKey}_p99${S}) / 1000`,
        '{{benchmark}} {{stage_name}} merged p99 (stage end)',
      ),
    ],
  });
}

export function liveRun(): BuiltDashboard {
  const benchmark = new dashboard.QueryVariableBuilder('benchmark')
    .label('Benchmark')
    .description(
      'Running benchmarks (phase before done); All shows every running one. Type any id to see a finished run.',
    )
    .datasource(PROM)
    .query('query_result(max by (benchmark) (aifb_benchmark_phase_code) < 6)')
    .regex('/benchmark="([^"]+)"/')
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalDesc)
    .multi(true)
    .includeAll(true)
    .allowCustomValue(true)
    .current({ text: 'All', value: '$__all' });

  const b = newDashboard(
    'aifb / Live run',
    'aifb-live-run',
    'A benchmark while it runs: phase, stage, load sent and received, latency per client, errors, the service, GPUs, the load generators and the logs.',
  )
    .time({ from: 'now-30m', to: 'now' })
    .refresh('5s')
    .withVariable(promVariable())
    .withVariable(lokiVariable())
    .withVariable(benchmark)
    .annotation(phaseAnnotation(S));

  b.withRow(new dashboard.RowBuilder('Where it is'))
    .withPanel(
      panel(new statetimeline.PanelBuilder().unit(UNIT.none).mappings(phaseMappings()), {
        title: 'Phase',
        description: 'Which phase each benchmark is in, over time (aifb_benchmark_phase_code).',
        w: 24,
        h: 5,
        targets: [prom(`max by (benchmark) (aifb_benchmark_phase_code${S})`, '{{benchmark}}')],
      }),
    )
    .withPanel(
      panel(big(UNIT.none), {
        title: 'Stage',
        description: 'The stage being loaded (1-based) and how many stages the recipe has.',
        w: 8,
        h: 4,
        targets: [
          prom(
            `max by (benchmark, stage_name) (aifb_benchmark_stage${S}) + 1`,
            '{{benchmark}} {{stage_name}}',
          ),
          prom(`max by (benchmark) (aifb_benchmark_stages${S})`, '{{benchmark}} stages'),
        ],
      }),
    )
    .withPanel(
      panel(big(UNIT.seconds), {
        title: 'Stage time left',
        description:
          'Seconds until the current stage is planned to stop sending (absent while it waits for its clients).',
        w: 8,
        h: 4,
        targets: [
          prom(
            `max by (benchmark) (aifb_benchmark_stage_planned_end_timestamp_seconds${S}) - time()`,
            '{{benchmark}}',
          ),
        ],
      }),
    )
    .withPanel(
      panel(big(UNIT.dateTime), {
        title: 'Planned stage end',
        description: 'When the current stage is planned to stop sending.',
        w: 8,
        h: 4,
        targets: [
          prom(
            `max by (benchmark) (aifb_benchmark_stage_planned_end_timestamp_seconds${S}) * 1000`,
            '{{benchmark}}',
          ),
        ],
      }),
    );

  b.withRow(new dashboard.RowBuilder('Load'))
    .withPanel(
      panel(ts(UNIT.reqps), {
        title: 'Send rate: achieved vs asked',
        description:
          'Requests sent per second by all clients (aifb_client_sent_per_second), beside the rate an open-loop stage asks for (aifb_benchmark_stage_rate_requested_per_second), and completed requests per second.',
        w: 8,
        h: 8,
        targets: [
          prom(
            `sum by (benchmark, stage_name) (aifb_client_sent_per_second${S})`,
            '{{benchmark}} {{stage_name}} sent',
          ),
          prom(
            `max by (benchmark, stage_name) (aifb_benchmark_stage_rate_requested_per_second${S})`,
            '{{benchmark}} {{stage_name}} asked',
          ),
          prom(
            `sum by (benchmark, stage_name) (aifb_client_requests_per_second${S})`,
            '{{benchmark}} {{stage_name}} completed',
          ),
        ],
      }),
    )
    .withPanel(
      panel(ts(UNIT.count), {
        title: 'In-flight requests',
        description: 'Requests the clients have in flight (aifb_client_in_flight), summed over clients.',
        w: 8,
        h: 8,
        targets: [prom(`sum by (benchmark) (aifb_client_in_flight${S})`, '{{benchmark}}')],
      }),
    )
    .withPanel(
      panel(ts(UNIT.tokps), {
        title: 'Output tokens per second',
        description:
          'Output tokens received per second by all clients (aifb_client_output_tokens_per_second).',
        w: 8,
        h: 8,
        targets: [prom(`sum by (benchmark) (aifb_client_output_tokens_per_second${S})`, '{{benchmark}}')],
      }),
    );

  b.withRow(new dashboard.RowBuilder('Latency'))
    .withPanel(latency('TTFT', 'ttft', '0.5|0.99', 'ttft'))
    .withPanel(latency('TPOT', 'tpot', '0.5|0.99', 'tpot'))
    .withPanel(latency('ITL', 'itl', '0.5|0.99', 'itl'))
    .withPanel(latency('E2E', 'e2e', '0.5|0.99', 'e2e'));

  b.withRow(new dashboard.RowBuilder('Errors'))
    .withPanel(
      panel(ts(UNIT.reqps), {
        title: 'Errors by kind',
        description:
          'Failed requests per second by kind (http_<status>, timeout, connection_refused, malformed_stream...), from aifb_client_errors_total.',
        w: 12,
        h: 8,
        targets: [
          prom(
            `sum by (benchmark, kind) (rate(aifb_client_errors_total${S}[$__rate_interval]))`,
            '{{benchmark}} {{kind}}',
          ),
        ],
      }),
    )
    .withPanel(
      panel(big(UNIT.count), {
        title: 'Failed requests',
        description: 'Failed requests so far by kind, every client and stage together.',
        w: 12,
        h: 8,
        targets: [prom(`sum by (benchmark, kind) (aifb_client_errors_total${S})`, '{{benchmark}} {{kind}}')],
      }),
    );

  b.withRow(new dashboard.RowBuilder('Server'))
    .withPanel(
      panel(ts(UNIT.count), {
        title: 'Server running / waiting',
        description:
          "Requests the server itself reports running and queued (vLLM's num_requests_running/waiting, llama.cpp's requests_processing/deferred; the simulator uses vLLM's names).",
        w: 8,
        h: 8,
        targets: [
          prom(serviceSeries('runningRequests', S), '{{benchmark}} running'),
          prom(serviceSeries('waitingRequests', S), '{{benchmark}} waiting'),
        ],
      }),
    )
    .withPanel(
      panel(ts(UNIT.ratio), {
        title: 'KV cache use',
        description:
          "The server's KV-cache use (vLLM kv_cache_usage_perc or gpu_cache_usage_perc, llama.cpp kv_cache_usage_ratio).",
        w: 8,
        h: 8,
        targets: [prom(serviceSeries('kvCacheUsage', S), '{{benchmark}}')],
      }),
    )
    .withPanel(
      panel(ts(UNIT.tokps), {
        title: 'Server generation tokens per second',
        description:
          "Tokens the server says it generated per second (vLLM's and the simulator's vllm:generation_tokens_total).",
        w: 8,
        h: 8,
        targets: [
          prom(
            `sum by (benchmark) (rate(vllm:generation_tokens_total${S}[$__rate_interval]))`,
            '{{benchmark}}',
          ),
        ],
      }),
    );

  b.withRow(new dashboard.RowBuilder('GPU and service process'))
    .withPanel(
      panel(big(UNIT.none).mappings(booleanMappings('GPU', 'no GPU')), {
        title: 'GPU present',
        description:
          'Whether the service node reported GPUs (aifb_gpu_present: 0 when it has no nvidia-smi; GPU panels stay empty then, nothing is made up).',
        w: 4,
        h: 8,
        targets: [prom(`max by (benchmark) (aifb_gpu_present${S})`, '{{benchmark}}')],
      }),
    )
    .withPanel(
      panel(ts(UNIT.ratio), {
        title: 'GPU utilisation',
        description:
          'Utilisation of each GPU of the service node (aifb_gpu_utilization_ratio, from nvidia-smi).',
        w: 7,
        h: 8,
        targets: [prom(`aifb_gpu_utilization_ratio${S}`, '{{benchmark}} gpu {{gpu}}')],
      }),
    )
    .withPanel(
      panel(ts(UNIT.bytes), {
        title: 'GPU memory',
        description: 'Memory used and total of each GPU of the service node.',
        w: 7,
        h: 8,
        targets: [
          prom(`aifb_gpu_memory_used_bytes${S}`, '{{benchmark}} gpu {{gpu}} used'),
          prom(`aifb_gpu_memory_total_bytes${S}`, '{{benchmark}} gpu {{gpu}} total'),
        ],
      }),
    )
    .withPanel(
      panel(ts(UNIT.watts), {
        title: 'GPU power',
        description: 'Power draw of each GPU of the service node (aifb_gpu_power_watts).',
        w: 6,
        h: 8,
        targets: [prom(`aifb_gpu_power_watts${S}`, '{{benchmark}} gpu {{gpu}}')],
      }),
    )
    .withPanel(
      panel(ts(UNIT.cores), {
        title: 'Service CPU',
        description:
          "CPU cores used by the service's process tree (rate of aifb_service_cpu_seconds_total, from the sampler in the service job).",
        w: 12,
        h: 8,
        targets: [
          prom(
            `sum by (benchmark) (rate(aifb_service_cpu_seconds_total${S}[$__rate_interval]))`,
            '{{benchmark}}',
          ),
        ],
      }),
    )
    .withPanel(
      panel(ts(UNIT.bytes), {
        title: 'Service RSS',
        description: "Resident memory of the service's process tree (aifb_service_resident_memory_bytes).",
        w: 12,
        h: 8,
        targets: [prom(`max by (benchmark) (aifb_service_resident_memory_bytes${S})`, '{{benchmark}}')],
      }),
    );

  b.withRow(new dashboard.RowBuilder('Load generator'))
    .withPanel(
      panel(ts(UNIT.cores), {
        title: 'Loadgen CPU',
        description:
          "Each load generator's own CPU use (aifb_client_cpu_cores): near one core it is saturated and its timings are suspect.",
        w: 12,
        h: 8,
        targets: [prom(`aifb_client_cpu_cores${S}`, '{{benchmark}} client {{client}}')],
      }),
    )
    .withPanel(
      panel(ts(UNIT.seconds), {
        title: 'Schedule lag',
        description:
          'Actual minus intended send time, p50 and p99 per client (aifb_client_schedule_lag_seconds): open-loop stages only mean what they ask while this stays small.',
        w: 12,
        h: 8,
        targets: [
          prom(
            `aifb_client_schedule_lag_seconds${s('quantile=~"0.5|0.99"')}`,
            '{{benchmark}} client {{client}} p{{quantile}}',
          ),
        ],
      }),
    );

  b.withRow(new dashboard.RowBuilder('Logs')).withPanel(
    panel(
      new logs.PanelBuilder().showTime(true).wrapLogMessage(true).sortOrder(common.LogsSortOrder.Descending),
      {
        title: 'Logs',
        description: "Every job's stdout and stderr (service, clients) as the worker ships them to Loki.",
        w: 24,
        h: 12,
        datasource: LOKI,
        targets: [logQuery(S)],
      },
    ),
  );

  return finish('live-run.json', b);
}
