/**
 * Reads back from Prometheus what the relay pushed during a stage: server-side aggregates
 * (running/waiting requests, KV-cache use), GPU and service CPU, over the stage's measured
 * window. Metric names cover vLLM (old and new), llama.cpp and the simulator (vLLM names).
 */
import type { MeanMax, ServerAggregates } from '../core/summary-format';

export interface VectorSample {
  metric: Record<string, string>;
  value: number;
}

export class PrometheusApi {
  constructor(
    readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** An instant query; throws with Prometheus' own error text on a bad expression. */
  async query(expr: string, timeS?: number): Promise<VectorSample[]> {
    const params = new URLSearchParams({ query: expr });
    if (timeS !== undefined) params.set('time', String(timeS));
    const res = await fetch(`${this.url.replace(/\/$/, '')}/api/v1/query`, {
      method: 'POST',
      body: params,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as {
      status?: string;
      error?: string;
      data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (!res.ok || body.status !== 'success') {
      throw new Error(
        `Prometheus query failed (HTTP ${res.status}): ${body.error ?? 'no error text'}: ${expr}`,
      );
    }
    if (body.data?.resultType === 'scalar') {
      const v = body.data.result as unknown as [number, string];
      return [{ metric: {}, value: Number(v[1]) }];
    }
    return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** A range query (`/api/v1/query_range`): each series with its `[epoch ms, value]` points. */
  async queryRange(expr: string, startS: number, endS: number, stepS: number): Promise<RangeSeries[]> {
    const params = new URLSearchParams({
      query: expr,
      start: String(startS),
      end: String(endS),
      step: String(stepS),
    });
    const res = await fetch(`${this.url.replace(/\/$/, '')}/api/v1/query_range`, {
      method: 'POST',
      body: params,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as {
      status?: string;
      error?: string;
      data?: { result: { metric: Record<string, string>; values: [number, string][] }[] };
    };
    if (!res.ok || body.status !== 'success') {
      throw new Error(
        `Prometheus range query failed (HTTP ${res.status}): ${body.error ?? 'no error text'}: ${expr}`,
      );
    }
    return (body.data?.result ?? []).map((r) => ({
      metric: r.metric,
      points: r.values
        .map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)])
        .filter(([, v]) => Number.isFinite(v)),
    }));
  }
}

export interface RangeSeries {
  metric: Record<string, string>;
  points: [ms: number, value: number][];
}

/**
 * The service's own series behind each server aggregate, by the names vLLM (new, then old),
 * llama.cpp and the simulator (vLLM's names) export, and how a service's several series
 * combine. Used for the PromQL below and for the raw-scrape fallback (stage-telemetry.ts).
 */
export const SERVICE_SERIES = {
  runningRequests: { names: ['vllm:num_requests_running', 'llamacpp:requests_processing'], combine: 'sum' },
  waitingRequests: { names: ['vllm:num_requests_waiting', 'llamacpp:requests_deferred'], combine: 'sum' },
  kvCacheUsage: {
    names: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc', 'llamacpp:kv_cache_usage_ratio'],
    combine: 'avg',
  },
} as const;

/** PromQL selectors per aggregate; `or` picks whichever name the service exports. */
export function aggregateSelectors(
  benchmark: string,
): Record<Exclude<keyof ServerAggregates, 'source' | 'windowStartMs' | 'windowEndMs'>, string> {
  if (!/^[A-Za-z0-9._-]+$/.test(benchmark))
    throw new Error(`unsafe benchmark id ${JSON.stringify(benchmark)}`);
  const m = `{benchmark="${benchmark}"}`;
  const service = (key: keyof typeof SERVICE_SERIES) => {
    const { names, combine } = SERVICE_SERIES[key];
    return names.map((name) => `${combine}(${name}${m})`).join(' or ');
  };
  return {
    runningRequests: service('runningRequests'),
    waitingRequests: service('waitingRequests'),
    kvCacheUsage: service('kvCacheUsage'),
  };
}

/** Mean and max of each aggregate over [start, end], by subquery at `stepS` resolution. */
export async function serverAggregates(
  api: PrometheusApi,
  benchmark: string,
  window: { startMs: number; endMs: number },
  stepS = 1,
): Promise<ServerAggregates> {
  const endS = window.endMs / 1000;
  const rangeS = Math.max(stepS, Math.round((window.endMs - window.startMs) / 1000));
  const out: Record<string, MeanMax> = {};
  for (const [key, selector] of Object.entries(aggregateSelectors(benchmark))) {
    const over = (fn: string) => `${fn}_over_time((${selector})[${rangeS}s:${stepS}s])`;
    const [mean, max] = await Promise.all([api.query(over('avg'), endS), api.query(over('max'), endS)]);
    out[key] = { mean: mean[0]?.value ?? null, max: max[0]?.value ?? null };
  }
  return {
    source: 'prometheus',
    windowStartMs: window.startMs,
    windowEndMs: window.endMs,
    ...(out as Omit<ServerAggregates, 'source' | 'windowStartMs' | 'windowEndMs'>),
  };
}
