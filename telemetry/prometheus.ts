/**
 * Reads back from Prometheus what the relay pushed during a stage: server-side aggregates
 * (running/waiting requests, KV-cache use), GPU and service CPU, over the stage's measured
 * window. Metric names cover vLLM (old and new), llama.cpp and the simulator (vLLM names).
 */

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
}

export interface MeanMax {
  mean: number | null;
  max: number | null;
}

export interface ServerAggregates {
  source: 'prometheus';
  windowStartMs: number;
  windowEndMs: number;
  runningRequests: MeanMax;
  waitingRequests: MeanMax;
  /** 0-1 */
  kvCacheUsage: MeanMax;
  /** 0-1, mean over the node's GPUs */
  gpuUtilization: MeanMax;
  /** CPU cores the service's process tree used */
  serviceCpuCores: MeanMax;
}

/** PromQL selectors per aggregate; `or` picks whichever name the service exports. */
export function aggregateSelectors(
  benchmark: string,
): Record<Exclude<keyof ServerAggregates, 'source' | 'windowStartMs' | 'windowEndMs'>, string> {
  if (!/^[A-Za-z0-9._-]+$/.test(benchmark))
    throw new Error(`unsafe benchmark id ${JSON.stringify(benchmark)}`);
  const m = `{benchmark="${benchmark}"}`;
  return {
    runningRequests: `sum(vllm:num_requests_running${m}) or sum(llamacpp:requests_processing${m})`,
    waitingRequests: `sum(vllm:num_requests_waiting${m}) or sum(llamacpp:requests_deferred${m})`,
    kvCacheUsage: `avg(vllm:kv_cache_usage_perc${m}) or avg(vllm:gpu_cache_usage_perc${m}) or avg(llamacpp:kv_cache_usage_ratio${m})`,
    gpuUtilization: `avg(aifb_gpu_utilization_ratio${m})`,
    serviceCpuCores: `sum(rate(aifb_service_cpu_seconds_total${m}[15s]))`,
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
