/** GET /health and GET /metrics. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { metricsContentType, metricsText } from '../metrics';
import { Health } from '../schemas';
import type { RouteOptions } from '../types';

export const systemRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { deps }) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Is the API up, and can it reach Temporal? 503 when it cannot.',
        tags: ['system'],
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const health = await deps.health();
      return reply.code(health.ok ? 200 : 503).send(health);
    },
  );

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['system'] } },
    async (_request, reply) => reply.type(metricsContentType).send(await metricsText()),
  );
};
