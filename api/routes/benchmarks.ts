/** /benchmarks: start, list, status, stop (run or stage), cancel, results, logs. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toCsv } from '../../core/summary';
import { renderReport } from '../../report/render';
import {
  BenchmarkView,
  ErrorBody,
  IdParams,
  ListPage,
  ListQuery,
  LogsQuery,
  LogsView,
  RecipeBodyDoc,
  ReportQuery,
  ResultsQuery,
  StartResult,
  StopAck,
  StopBody,
} from '../schemas';
import type { RouteOptions } from '../types';
import { bodyValue } from './recipes';

const secured = [{ bearer: [] }];
const tags = ['benchmarks'];
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };

export const benchmarkRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { deps, auth }) => {
  const { control } = deps;

  app.post(
    '/benchmarks',
    {
      onRequest: auth,
      schema: {
        summary: 'Start a benchmark',
        description: `${RecipeBodyDoc} A retried request with the same Idempotency-Key returns the run the first one started (200, created: false).`,
        tags,
        security: secured,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
        body: z.unknown(),
        response: { 201: StartResult, 200: StartResult, ...errors },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const started = await control.start(bodyValue(request.body), key ? { idempotencyKey: key } : {});
      return reply
        .code(started.created ? 201 : 200)
        .header('location', `/benchmarks/${started.benchmarkId}`)
        .send(started);
    },
  );

  app.get(
    '/benchmarks',
    {
      schema: {
        summary: 'List benchmarks (Temporal visibility), newest first, paginated',
        tags,
        querystring: ListQuery,
        response: { 200: ListPage, 400: ErrorBody },
      },
    },
    async (request) => control.list(request.query),
  );

  app.get(
    '/benchmarks/:id',
    {
      schema: {
        summary: 'Live status: phase, stage, progress per client, jobs',
        tags,
        params: IdParams,
        response: { 200: BenchmarkView, ...errors },
      },
    },
    async (request) => control.status(request.params.id),
  );

  app.post(
    '/benchmarks/:id/stop',
    {
      onRequest: auth,
      schema: {
        summary:
          'Stop the whole run gracefully: the current stage ends now and keeps its numbers, teardown runs',
        tags,
        security: secured,
        params: IdParams,
        body: StopBody,
        response: { 202: StopAck, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await control.stop(request.params.id, request.body?.reason)),
  );

  app.post(
    '/benchmarks/:id/stages/current/stop',
    {
      onRequest: auth,
      schema: {
        summary: 'End the current stage early; the next stage starts (409 when no stage is running)',
        tags,
        security: secured,
        params: IdParams,
        response: { 202: StopAck, ...errors },
      },
    },
    async (request, reply) => reply.code(202).send(await control.stopStage(request.params.id)),
  );

  app.post(
    '/benchmarks/:id/cancel',
    {
      onRequest: auth,
      schema: {
        summary: 'Cancel (Temporal cancellation): teardown runs, the run ends as cancelled',
        tags,
        security: secured,
        params: IdParams,
        response: { 202: z.object({ cancelled: z.literal(true) }), ...errors },
      },
    },
    async (request, reply) => {
      await control.cancel(request.params.id);
      return reply.code(202).send({ cancelled: true as const });
    },
  );

  app.get(
    '/benchmarks/:id/results',
    {
      schema: {
        summary: 'The summary (JSON), or one CSV row per stage with ?format=csv or Accept: text/csv',
        tags,
        params: IdParams,
        querystring: ResultsQuery,
        response: { 200: z.unknown(), ...errors },
      },
    },
    async (request, reply) => {
      const summary = await control.results(request.params.id);
      const csv = request.query.format === 'csv' || /text\/csv/.test(request.headers.accept ?? '');
      return csv ? reply.type('text/csv; charset=utf-8').send(toCsv(summary)) : summary;
    },
  );

  app.get(
    '/benchmarks/:id/report',
    {
      schema: {
        summary:
          'A report with plots: self-contained HTML (default), Markdown with ?format=md or Accept: text/markdown, or its data with ?format=json',
        description:
          'Latency against achieved rate over the stages (found capacity marked), TTFT/ITL/E2E distributions from the merged histograms, a timeline of client rate and server metrics with the stage windows (Prometheus range queries; the raw service scrapes without it), and with ?with=id2,id3 a comparison against this run. The HTML has no script and fetches nothing.',
        tags,
        params: IdParams,
        querystring: ReportQuery,
        response: { 200: z.unknown(), ...errors },
      },
    },
    async (request, reply) => {
      const ids = [request.params.id, ...(request.query.with?.split(',') ?? [])];
      const data = await Promise.all(ids.map((id) => control.report(id)));
      const accept = request.headers.accept ?? '';
      const format = request.query.format ?? (/text\/markdown/.test(accept) ? 'md' : 'html');
      if (format === 'json') return data.length === 1 ? data[0] : data;
      const report = renderReport(data, { figures: 'inline' });
      return format === 'md'
        ? reply.type('text/markdown; charset=utf-8').send(report.markdown)
        : reply.type('text/html; charset=utf-8').send(report.html);
    },
  );

  app.get(
    '/benchmarks/:id/logs',
    {
      schema: {
        summary: "A job's log (service, service.err, s0-clients-0, ...), its tail, or what follows an offset",
        tags,
        params: IdParams,
        querystring: LogsQuery,
        response: { 200: LogsView, ...errors },
      },
    },
    async (request) => control.logs(request.params.id, request.query),
  );
};
