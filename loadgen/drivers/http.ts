/**
 * `http`: the recipe's request (method, path, headers, templated body) against any HTTP service;
 * an operation is ok when the status is one the recipe expects (default 2xx).
 */
import { Pool } from 'undici';
import type { HttpWorkloadSettings } from '../../core/loadgen-protocol';
import { deriveRng } from '../../core/random';
import { promptStream } from '../dataset';
import { type DriverContext, type OperationPlan, PendingOp, type WorkloadDriver } from '../driver';
import { httpOp } from './http-op';
import { apiKey, connectionOptions } from './llm';
import { compileTemplate, createDraw, jsonEncode, pathEncode, textEncode } from './template';

export class HttpDriver implements WorkloadDriver {
  private readonly pool: Pool;
  private readonly settings: HttpWorkloadSettings;
  private readonly nextDraw: () => Record<string, string | number>;
  private readonly renderPath: (d: Record<string, string | number>) => string;
  private readonly renderBody: ((d: Record<string, string | number>) => string) | null;
  private readonly headers: Record<string, string>;
  private readonly prefix: string;

  constructor(private readonly ctx: DriverContext) {
    const { config } = ctx;
    if (config.workload?.kind !== 'http')
      throw new Error('the http workload needs its settings (workload.http)');
    this.settings = config.workload;
    const url = new URL(config.baseUrl);
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: Math.max(1, ctx.connections),
      ...connectionOptions(config),
    });
    this.nextDraw = createDraw(
      this.settings.variables,
      deriveRng(config.dataset.seed, promptStream(config.stageIndex, ctx.clientIndex)),
      { start: ctx.clientIndex, step: config.clientCount },
    );
    this.renderPath = compileTemplate(this.settings.path, pathEncode);
    const body = this.settings.body;
    this.renderBody =
      body === undefined ? null : compileTemplate(body, this.settings.json ? jsonEncode : textEncode);
    const key = apiKey(config, ctx.env);
    this.headers = {
      ...(this.settings.json && body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...this.settings.headers,
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    };
  }

  send(intendedMs: number, plan: OperationPlan): PendingOp {
    const draw = this.nextDraw();
    const path = this.prefix + this.renderPath(draw);
    const body = this.renderBody?.(draw);
    const headers =
      plan.requestId === undefined ? this.headers : { ...this.headers, 'x-request-id': plan.requestId };
    const expect = this.settings.expectStatus;
    return new PendingOp(intendedMs, this.ctx.config.requestTimeoutMs, (signal) =>
      httpOp(
        this.pool,
        { method: this.settings.method, path, headers, ...(body !== undefined ? { body } : {}) },
        signal,
        expect === null ? {} : { ok: (s) => expect.includes(s) },
      ),
    );
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
