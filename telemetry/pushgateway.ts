/**
 * A small Pushgateway client: PUT replaces a whole group (so a re-push after a restart can
 * neither double-count nor leave stale series), DELETE drops it, and the JSON API lists groups
 * for the retention janitor. Grouping key: job="aifb" + benchmark, stage, component.
 */

export const PUSH_JOB = 'aifb';

export type GroupingKey = Record<string, string>;

/** `/metrics/job/aifb/benchmark/x/...`; values that are empty or hold `/` go base64url. */
export function groupPath(key: GroupingKey, job = PUSH_JOB): string {
  const segment = (name: string, value: string) =>
    value === '' || value.includes('/')
      ? `${name}@base64/${Buffer.from(value).toString('base64url') || '='}`
      : `${name}/${encodeURIComponent(value)}`;
  return ['/metrics', segment('job', job), ...Object.entries(key).map(([k, v]) => segment(k, v))].join('/');
}

export interface PushedGroup {
  labels: Record<string, string>;
  /** When the group was last pushed successfully (epoch ms); null when unknown. */
  lastPushMs: number | null;
  /** Values of single-series gauges in the group, by metric name (first series). */
  gauges: Record<string, number>;
}

export class Pushgateway {
  constructor(
    readonly url: string,
    private readonly timeoutMs = 5000,
  ) {}

  private async request(method: string, path: string, body?: string): Promise<Response> {
    const res = await fetch(`${this.url.replace(/\/$/, '')}${path}`, {
      method,
      ...(body !== undefined
        ? { body, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } }
        : {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) {
      const detail = (await res.text()).trim().slice(0, 500);
      throw new Error(`Pushgateway ${method} ${path}: HTTP ${res.status}${detail ? `: ${detail}` : ''}`);
    }
    return res;
  }

  /** Replaces the group's metrics with `text` (exposition format, no timestamps). */
  async put(key: GroupingKey, text: string): Promise<void> {
    await this.request('PUT', groupPath(key), text);
  }

  async delete(key: GroupingKey): Promise<void> {
    await this.request('DELETE', groupPath(key));
  }

  async groups(): Promise<PushedGroup[]> {
    const res = await this.request('GET', '/api/v1/metrics');
    const body = (await res.json()) as { data?: Record<string, unknown>[] };
    return (body.data ?? []).map(parseGroup);
  }
}

interface ApiMetric {
  metrics?: { labels?: Record<string, string>; value?: string }[];
}

function parseGroup(raw: Record<string, unknown>): PushedGroup {
  const labels = (raw.labels ?? {}) as Record<string, string>;
  const gauges: Record<string, number> = {};
  let lastPushMs: number | null = null;
  for (const [name, family] of Object.entries(raw)) {
    const value = (family as ApiMetric)?.metrics?.[0]?.value;
    if (value === undefined) continue;
    if (name === 'push_time_seconds') lastPushMs = Number(value) * 1000;
    else gauges[name] = Number(value);
  }
  return { labels, lastPushMs, gauges };
}
