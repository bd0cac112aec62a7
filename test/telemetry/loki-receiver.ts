import { createServer, type Server } from 'node:http';

const LABELS = new Set(['benchmark', 'component', 'stream', 'job_id']);

/**
 * For the unit tests (telemetry/loki.test.ts, loadgen/log-ship.test.ts), which need outages on
 * demand and each request's exact timestamps; the telemetry tier pushes to a real store
 * (victorialogs.ts). A stand-in for Loki that checks each push against Loki's documented JSON
 * format: POST to /loki/api/v1/push, application/json, streams of string labels, values of
 * [nanosecond epoch string, line] sorted by time within each stream. It answers 503 while `down`.
 */
export function lokiReceiver() {
  const received = new Map<string, { ns: bigint; line: string }[]>();
  const problems: string[] = [];
  const state = { down: 0, requests: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      state.requests++;
      if (state.down > 0) {
        state.down--;
        res.writeHead(503).end('ingester not ready');
        return;
      }
      if (req.method !== 'POST' || req.url !== '/loki/api/v1/push') problems.push(`${req.method} ${req.url}`);
      if (!req.headers['content-type']?.startsWith('application/json')) problems.push('content-type');
      const parsed = JSON.parse(body) as {
        streams: { stream: Record<string, unknown>; values: unknown[][] }[];
      };
      for (const s of parsed.streams) {
        for (const [k, v] of Object.entries(s.stream)) {
          if (!LABELS.has(k) || typeof v !== 'string') problems.push(`label ${k}`);
        }
        const key = JSON.stringify(s.stream);
        const list = received.get(key) ?? [];
        received.set(key, list);
        for (const entry of s.values) {
          const [ts, line] = entry;
          if (typeof ts !== 'string' || !/^\d{19}$/.test(ts)) problems.push(`timestamp ${String(ts)}`);
          if (typeof line !== 'string' || line.includes('\n')) problems.push(`line ${String(line)}`);
          const ns = BigInt(ts as string);
          if (list.length > 0 && ns <= list.at(-1)!.ns) problems.push(`not increasing at ${line}`);
          list.push({ ns, line: line as string });
        }
      }
      res.writeHead(204).end();
    });
  });
  return { server, received, problems, state };
}
