import { describe, expect, it } from 'vitest';
import { serverBreakdown, serverSnapshot } from './server-metrics';

const scrape = (heartbeats: number, dbSeconds: number) =>
  [
    '# TYPE service_latency histogram',
    `service_latency_count{operation="RecordActivityTaskHeartbeat",service_name="frontend"} ${heartbeats}`,
    `service_latency_sum{operation="RecordActivityTaskHeartbeat",service_name="frontend"} ${heartbeats * 0.01}`,
    // The history service's side of the same calls is not a frontend request.
    `service_latency_count{operation="RecordActivityTaskHeartbeat",service_name="history"} ${heartbeats * 5}`,
    'service_latency_count{operation="QueryWorkflow",service_name="frontend"} 7',
    '# TYPE persistence_latency histogram',
    `persistence_latency_sum{operation="UpdateWorkflowExecution",service_name="history"} ${dbSeconds}`,
    `persistence_latency_count{operation="UpdateWorkflowExecution",service_name="history"} ${heartbeats}`,
    'persistence_latency_sum{operation="GetTasks",service_name="matching"} 1',
    'persistence_latency_count{operation="GetTasks",service_name="matching"} 3',
  ].join('\n');

describe('serverBreakdown', () => {
  it('says per second what the frontend was asked and where the database time went, busiest first', () => {
    const [requests, database] = serverBreakdown(
      serverSnapshot(scrape(100, 2)),
      serverSnapshot(scrape(300, 12)),
      10,
    );
    // 200 heartbeats in 10 s; the unchanged query count is left out.
    expect(requests).toBe('server requests: RecordActivityTaskHeartbeat 20.0/s (2 s)');
    expect(database).toBe(
      'database: 100% of the wall time in persistence calls; UpdateWorkflowExecution 20.0/s (10 s)',
    );
  });
});
