/**
 * Per-route request counters and durations on prom-client's default registry (which /metrics
 * serves, beside the aifb self-metrics telemetry/ registers there).
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, register } from 'prom-client';

function httpMetrics() {
  // Built once per process: a second app (tests) must not register them twice.
  const requests =
    (register.getSingleMetric('aifb_api_requests_total') as Counter<'method' | 'route' | 'status'>) ??
    new Counter({
      name: 'aifb_api_requests_total',
      help: 'HTTP API requests by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
    });
  const seconds =
    (register.getSingleMetric('aifb_api_request_duration_seconds') as Histogram<'method' | 'route'>) ??
    new Histogram({
      name: 'aifb_api_request_duration_seconds',
      help: 'HTTP API request duration by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    });
  return { requests, seconds };
}

export function recordRequestMetrics(app: FastifyInstance): void {
  const { requests, seconds } = httpMetrics();
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids would make a series per benchmark.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    seconds.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}

export function metricsText(): Promise<string> {
  return register.metrics();
}

export const metricsContentType = register.contentType;
