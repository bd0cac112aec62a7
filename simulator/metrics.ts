/**
 * vLLM-named Prometheus metrics on a private prom-client Registry.
 *
 * The hot path only bumps plain numbers; prom-client objects are brought up to date in
 * their `collect()` hooks at scrape time. prom-client's own `observe()` costs ~0.5 µs
 * (label validation + hashing), which at ~16 inter-token observations per request and
 * >10k req/s would be a noticeable share of the one core the simulator runs on.
 */
import { Counter, Gauge, type Metric, Registry } from 'prom-client';

// Bucket bounds as in vLLM's prometheus metrics, so dashboards built for vLLM work unchanged.
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640,
  2560,
];
const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
];
const E2E_BUCKETS = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
];

export type FinishedReason = 'stop' | 'length' | 'abort';

interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A single-series histogram with a batch `observeMany`, exposed through prom-client's
 * registry by providing the fields the registry reads (name, help, type, get, reset).
 */
export class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    private readonly labels: Record<string, string>,
  ) {
    this.counts = new Float64Array(buckets.length);
  }

  observe(value: number): void {
    this.observeMany(value, 1);
  }

  observeMany(value: number, times: number): void {
    const b = this.buckets;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    // Values beyond the last bound only show up in +Inf (i.e. the count).
    if (i < b.length) this.counts[i]! += times;
    this.sum += value * times;
    this.count += times;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  async get() {
    const bucket = `${this.name}_bucket`;
    let cumulative = 0;
    const values: Sample[] = this.buckets.map((le, i) => {
      cumulative += this.counts[i]!;
      return { metricName: bucket, labels: { ...this.labels, le }, value: cumulative };
    });
    values.push(
      { metricName: bucket, labels: { ...this.labels, le: '+Inf' }, value: this.count },
      { metricName: `${this.name}_sum`, labels: this.labels, value: this.sum },
      { metricName: `${this.name}_count`, labels: this.labels, value: this.count },
    );
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class SimulatorMetrics {
  readonly registry = new Registry();
  running = 0;
  waiting = 0;
  promptTokens = 0;
  generationTokens = 0;
  readonly finished: Record<FinishedReason, number> = { stop: 0, length: 0, abort: 0 };
  readonly ttft: BucketHistogram;
  readonly e2e: BucketHistogram;
  readonly itl: BucketHistogram;

  constructor(modelName: string, maxConcurrency?: number) {
    const labels = { model_name: modelName };
    const labelNames = ['model_name'];
    const registers = [this.registry];
    const finished = this.finished;

    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.set(labels, read());
        },
      });
    gauge('vllm:num_requests_running', 'Number of requests currently running.', () => this.running);
    gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', () => this.waiting);
    // "perc" is a 0..1 fraction in vLLM too. With no concurrency limit there is no notion
    // of a full cache, so it stays 0.
    gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', () =>
      maxConcurrency ? this.running / maxConcurrency : 0,
    );

    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          this.inc(labels, read());
        },
      });
    counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.', () => this.promptTokens);
    counter(
      'vllm:generation_tokens_total',
      'Number of generation tokens processed.',
      () => this.generationTokens,
    );
    new Counter({
      name: 'vllm:request_success_total',
      help: 'Count of successfully processed requests.',
      labelNames: ['model_name', 'finished_reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(finished)) {
          this.inc({ ...labels, finished_reason: reason }, n);
        }
      },
    });

    const histogram = (name: string, help: string, buckets: number[]) => {
      const h = new BucketHistogram(name, help, buckets, labels);
      // Not a prom-client class, but it provides everything the registry calls.
      this.registry.registerMetric(h as unknown as Metric);
      return h;
    };
    this.ttft = histogram(
      'vllm:time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
      TTFT_BUCKETS,
    );
    this.e2e = histogram(
      'vllm:e2e_request_latency_seconds',
      'Histogram of end to end request latency in seconds.',
      E2E_BUCKETS,
    );
    this.itl = histogram(
      'vllm:inter_token_latency_seconds',
      'Histogram of inter-token latency in seconds.',
      ITL_BUCKETS,
    );
  }

  /** Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
