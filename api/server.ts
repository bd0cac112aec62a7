/** Runs the API on a socket: `aifb api`, `aifb dev` and `npm run api` start it through here. */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { temporalHealth } from '../control/connect';
import { runningBenchmarks, type TemporalControl } from '../control/temporal-control';
import { repoRoot } from '../core/node/config';
import { buildApp } from './app';
import type { ApiConfig } from './config';

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(
  control: TemporalControl,
  config: ApiConfig,
  temporalAddress: string,
  options: { logger?: boolean } = {},
): Promise<RunningApi> {
  const app = await buildApp({
    control,
    token: config.token,
    corsOrigins: config.corsOrigins,
    health: () => temporalHealth(control, temporalAddress),
    examplesDir: join(repoRoot, 'examples'),
    logger: options.logger ?? false,
    runningBenchmarks: () => runningBenchmarks(control),
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return { app, url: `http://${config.host}:${port}`, close: () => app.close() };
}
