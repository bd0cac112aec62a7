/** /deployments: services that outlive benchmarks (`service: { deployment: NAME }` names one). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DeploymentParams, DeploymentView, DownQuery, ErrorBody, RecipeBodyDoc } from '../schemas';
import type { RouteOptions } from '../types';
import { bodyValue } from './recipes';

const secured = [{ bearer: [] }];
const tags = ['deployments'];
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };

export const deploymentRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { deps, auth }) => {
  const { control } = deps;

  app.post(
    '/deployments',
    {
      onRequest: auth,
      schema: {
        summary: 'Start a deployment (workflow deploy-<name>); 409 while one by that name runs',
        description: `${RecipeBodyDoc} A deployment recipe: name, target, service, deployment { ttl, checkInterval }; no workload.`,
        tags,
        security: secured,
        body: z.unknown(),
        response: { 201: DeploymentView, ...errors },
      },
    },
    async (request, reply) => {
      const view = await control.deployUp(bodyValue(request.body));
      return reply.code(201).header('location', `/deployments/${view.name}`).send(view);
    },
  );

  app.get(
    '/deployments',
    {
      schema: {
        summary: 'Deployments, the newest run of each name, running ones first',
        tags,
        response: { 200: z.array(DeploymentView) },
      },
    },
    async () => control.listDeployments(),
  );

  app.get(
    '/deployments/:name',
    {
      schema: {
        summary: 'One deployment: phase, endpoint, job, expiry, the benchmarks that used it',
        tags,
        params: DeploymentParams,
        response: { 200: DeploymentView, ...errors },
      },
    },
    async (request) => control.deployment(request.params.name),
  );

  app.delete(
    '/deployments/:name',
    {
      onRequest: auth,
      schema: {
        summary: 'Take a deployment down: teardown follows (poll GET until its status is not running)',
        tags,
        security: secured,
        params: DeploymentParams,
        querystring: DownQuery,
        response: { 202: DeploymentView, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await control.deployDown(request.params.name, request.query.reason)),
  );
};
