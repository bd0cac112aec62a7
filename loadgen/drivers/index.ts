/** The driver of each workload kind (see loadgen/driver.ts). */
import type { WorkloadKind } from '../../core/loadgen-protocol';
import type { DriverContext, WorkloadDriver } from '../driver';
import { HttpDriver } from './http';
import { LlmDriver } from './llm';
import { VectorDriver } from './vector';

const DRIVERS: Record<WorkloadKind, (ctx: DriverContext) => WorkloadDriver> = {
  'openai-chat': (ctx) => new LlmDriver(ctx),
  'openai-completions': (ctx) => new LlmDriver(ctx),
  http: (ctx) => new HttpDriver(ctx),
  'vector-search': (ctx) => new VectorDriver(ctx),
};

export function createDriver(ctx: DriverContext): WorkloadDriver {
  return DRIVERS[ctx.config.api](ctx);
}
