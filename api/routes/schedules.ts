/** /schedules: Temporal Schedules that run a recipe periodically (nightly regression runs). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody, ScheduleBody, ScheduleParams, ScheduleView } from '../schemas';
import type { RouteOptions } from '../types';

const secured = [{ bearer: [] }];
const tags = ['schedules'];
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export const scheduleRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { deps, auth }) => {
  const { control } = deps;

  app.post(
    '/schedules',
    {
      onRequest: auth,
      schema: {
        summary: 'Run a recipe periodically: exactly one of cron or every',
        tags,
        security: secured,
        body: ScheduleBody,
        response: { 201: ScheduleView, ...errors },
      },
    },
    async (request, reply) => {
      const { recipe, cron, every, scheduleId, paused } = request.body;
      const view = await control.createSchedule({
        recipe,
        ...(cron !== undefined ? { cron } : {}),
        ...(every !== undefined ? { every } : {}),
        ...(scheduleId !== undefined ? { scheduleId } : {}),
        ...(paused !== undefined ? { paused } : {}),
      });
      return reply.code(201).send(view);
    },
  );

  app.get(
    '/schedules',
    { schema: { summary: 'Benchmark schedules', tags, response: { 200: z.array(ScheduleView) } } },
    async () => control.listSchedules(),
  );

  for (const [action, paused] of [
    ['pause', true],
    ['unpause', false],
  ] as const) {
    app.post(
      `/schedules/:scheduleId/${action}`,
      {
        onRequest: auth,
        schema: {
          summary: paused ? 'Pause a schedule' : 'Resume a paused schedule',
          tags,
          security: secured,
          params: ScheduleParams,
          response: { 200: ScheduleView, ...errors },
        },
      },
      async (request) => control.setSchedulePaused(request.params.scheduleId, paused),
    );
  }

  app.delete(
    '/schedules/:scheduleId',
    {
      onRequest: auth,
      schema: {
        summary: 'Delete a schedule (runs it started stay)',
        tags,
        security: secured,
        params: ScheduleParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await control.deleteSchedule(request.params.scheduleId);
      return reply.code(204).send(null);
    },
  );
};
