/** The driver of each workload kind (see loadgen/driver.ts). */
import type { WorkloadKind } from '../../core/loadgen-protocol';
import type { DriverContext, WorkloadDriver } from '../driver';
import { CommandDriver } from './command';
import { EmbeddingsDriver } from './embeddings';
import { HttpDriver } from './http';
import { LlmDriver } from './llm';
import { SqlDriver } from './sql';

const DRIVERS: Record<WorkloadKind, (ctx: DriverContext) => WorkloadDriver> = {
  'openai-chat': (ctx) => new LlmDriver(ctx),
  'openai-completions': (ctx) => new LlmDriver(ctx),
  'openai-embeddings': (ctx) => new EmbeddingsDriver(ctx),
  http: (ctx) => new HttpDriver(ctx),
  command: (ctx) => new CommandDriver(ctx),
  sql: (ctx) => new SqlDriver(ctx),
};

export function createDriver(ctx: DriverContext): WorkloadDriver {
  return DRIVERS[ctx.config.api](ctx);
}
