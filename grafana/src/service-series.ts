/**
 * The server-side series behind a figure, by every name a service kind exports them under
 * (telemetry/prometheus.ts SERVICE_SERIES: vLLM new and old, llama.cpp, the simulator's vLLM
 * names), combined as the stage aggregates combine them; `or` picks whichever the service has.
 */
import { SERVICE_SERIES } from '../../telemetry/prometheus';

export function serviceSeries(key: keyof typeof SERVICE_SERIES, selector: string, by = 'benchmark'): string {
  const { names, combine } = SERVICE_SERIES[key];
  return names.map((name) => `${combine} by (${by}) (${name}${selector})`).join(' or ');
}
