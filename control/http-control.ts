/**
 * `BenchmarkControl` over the HTTP API (the CLI with AIFB_API_URL set). The API answers with the
 * shapes of control/types.ts and errors as `{ error, message, issues }`, turned back into the
 * `ControlError` a `TemporalControl` would have thrown.
 */
import type { StopAck } from '../core/contract';
import { CONTROL_ERRORS } from '../core/failures';
import type { HistoryEntry } from '../core/history';
import type { BenchmarkSummary } from '../core/summary';
import { checkBenchmarkId, checkDeploymentName, checkRecipeName } from './ids';
import {
  type BenchmarkControl,
  type BenchmarkView,
  ControlError,
  type ControlErrorKind,
  type DeploymentView,
  type ListFilter,
  type ListPage,
  type LogsOptions,
  type LogsView,
  type ScheduleInput,
  type ScheduleView,
  type StartResult,
} from './types';

const isKind = (code: unknown): code is ControlErrorKind =>
  typeof code === 'string' && code in CONTROL_ERRORS;

/** `/benchmarks/<id>`: a bad id is refused here, as TemporalControl would (`..` would also be normalised away by URL). */
const benchmarkPath = (id: string) => `/benchmarks/${encodeURIComponent(checkBenchmarkId(id))}`;

const deploymentPath = (name: string) => `/deployments/${checkDeploymentName(name)}`;

function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export class HttpControl implements BenchmarkControl {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | null,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new ControlError(
        'unavailable',
        `cannot reach the aifb API at ${this.baseUrl}: ${(err as Error).message}`,
      );
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const error = json as {
        error?: string;
        message?: string;
        issues?: { path: string; message: string }[];
      };
      const kind = isKind(error?.error)
        ? error.error
        : response.status === 401
          ? 'unauthorized'
          : 'unavailable';
      throw new ControlError(kind, `${error?.message ?? `HTTP ${response.status}`}`, error?.issues ?? []);
    }
    return json as T;
  }

  start(recipe: unknown, options: { idempotencyKey?: string } = {}): Promise<StartResult> {
    const headers: Record<string, string> = options.idempotencyKey
      ? { 'idempotency-key': options.idempotencyKey }
      : {};
    return this.call('POST', '/benchmarks', recipe, headers);
  }

  list(filter: ListFilter = {}): Promise<ListPage> {
    return this.call('GET', `/benchmarks${queryString({ ...filter })}`);
  }

  async status(id: string): Promise<BenchmarkView> {
    return this.call('GET', benchmarkPath(id));
  }

  async stop(id: string, reason?: string): Promise<StopAck> {
    return this.call('POST', `${benchmarkPath(id)}/stop`, reason ? { reason } : {});
  }

  async stopStage(id: string): Promise<StopAck> {
    return this.call('POST', `${benchmarkPath(id)}/stages/current/stop`);
  }

  async cancel(id: string): Promise<void> {
    await this.call('POST', `${benchmarkPath(id)}/cancel`);
  }

  async results(id: string): Promise<BenchmarkSummary> {
    return this.call('GET', `${benchmarkPath(id)}/results`);
  }

  async history(recipeName: string, options: { limit?: number } = {}): Promise<HistoryEntry[]> {
    return this.call('GET', `/recipes/${checkRecipeName(recipeName)}/history${queryString({ ...options })}`);
  }

  async logs(id: string, options: LogsOptions = {}): Promise<LogsView> {
    return this.call('GET', `${benchmarkPath(id)}/logs${queryString({ ...options })}`);
  }

  createSchedule(input: ScheduleInput): Promise<ScheduleView> {
    return this.call('POST', '/schedules', input);
  }

  listSchedules(): Promise<ScheduleView[]> {
    return this.call('GET', '/schedules');
  }

  setSchedulePaused(scheduleId: string, paused: boolean): Promise<ScheduleView> {
    return this.call('POST', `/schedules/${encodeURIComponent(scheduleId)}/${paused ? 'pause' : 'unpause'}`);
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    await this.call('DELETE', `/schedules/${encodeURIComponent(scheduleId)}`);
  }

  deployUp(recipe: unknown): Promise<DeploymentView> {
    return this.call('POST', '/deployments', recipe);
  }

  listDeployments(): Promise<DeploymentView[]> {
    return this.call('GET', '/deployments');
  }

  deployment(name: string): Promise<DeploymentView> {
    return this.call('GET', deploymentPath(name));
  }

  deployDown(name: string, reason?: string): Promise<DeploymentView> {
    return this.call('DELETE', `${deploymentPath(name)}${queryString({ reason })}`);
  }

  async close(): Promise<void> {}
}
