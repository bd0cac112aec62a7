/**
 * Builds the HTTP API from its dependencies (no sockets, no Temporal connection of its own), so
 * tests and `aifb dev` build the same app. One plugin per route group, under routes/.
 */
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { registerRunningGauge } from '../telemetry/self-metrics';
import { bearerAuth } from './auth';
import { errorHandler } from './errors';
import { recordRequestMetrics } from './metrics';
import { benchmarkRoutes } from './routes/benchmarks';
import { deploymentRoutes } from './routes/deployments';
import { recipeRoutes } from './routes/recipes';
import { scheduleRoutes } from './routes/schedules';
import { systemRoutes } from './routes/system';
import type { ApiDeps, RouteOptions } from './types';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'];

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: 1 << 20 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  // YAML bodies arrive as text; the routes parse them with the recipe parser (line/column errors).
  // An empty body is no body, whatever its type: `curl -H 'content-type: application/json' -X POST`
  // on a body-less action (cancel, stop) is fine; routes that need a body say what is missing.
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_req, body, done) =>
    done(null, body === '' ? undefined : body),
  );
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    body.length === 0 ? done(null, undefined) : json(req, body.toString(), done),
  );
  if (deps.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: deps.corsOrigins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key'],
    });
  }
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'aifb API',
        version: '1',
        description:
          'Start, watch, stop and list benchmarks (Temporal workflows), read their results and logs, schedule recipes, keep services deployed across benchmarks.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  recordRequestMetrics(app);
  if (deps.runningBenchmarks) registerRunningGauge(deps.runningBenchmarks);
  const options: RouteOptions = { deps, auth: bearerAuth(deps.token) };
  await app.register(systemRoutes, options);
  await app.register(recipeRoutes, options);
  await app.register(benchmarkRoutes, options);
  await app.register(scheduleRoutes, options);
  await app.register(deploymentRoutes, options);
  return app;
}
