/**
 * The API's request and response shapes (zod): they validate requests, serialize responses and
 * become the OpenAPI document at /docs/json. Nested reports (live status, summaries) are kept
 * open (`looseObject`/`unknown`): their own modules own their shape.
 */
import { z } from 'zod';
import { RUN_STATUSES } from '../control/types';
import { BENCHMARK_ID_RE } from '../core/benchmark-id';
import { DEPLOYMENT_PHASES, PHASES } from '../core/contract';
import { CONTROL_ERRORS } from '../core/failures';
import { recipeName } from '../core/recipe';

export const ErrorBody = z
  .object({
    error: z.string().describe(Object.keys(CONTROL_ERRORS).join(' | ')),
    message: z.string(),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('every problem with its field path (e.g. workload.stages.0.duration)'),
  })
  .meta({ id: 'Error' });

export const IdParams = z.object({
  id: z.string().regex(BENCHMARK_ID_RE, 'a benchmark id such as bench-demo-ab12cd'),
});

export const ListQuery = z.object({
  status: z.enum(RUN_STATUSES).optional(),
  phase: z.enum(PHASES).optional(),
  recipe: z.string().max(100).optional(),
  serviceKind: z.string().max(50).optional(),
  executor: z.string().max(50).optional(),
  startedAfter: z.iso.datetime({ offset: true }).optional().describe('ISO 8601'),
  startedBefore: z.iso.datetime({ offset: true }).optional().describe('ISO 8601'),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  pageToken: z.string().max(4096).optional().describe('nextPageToken of the previous page'),
});

export const ListItem = z
  .object({
    benchmarkId: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    status: z.enum(RUN_STATUSES),
    phase: z.enum(PHASES).nullable(),
    recipeName: z.string().nullable(),
    serviceKind: z.string().nullable(),
    executor: z.string().nullable(),
    startedAt: z.string(),
    closedAt: z.string().nullable(),
  })
  .meta({ id: 'BenchmarkListItem' });

export const ListPage = z.object({ items: z.array(ListItem), nextPageToken: z.string().nullable() });

export const BenchmarkView = ListItem.extend({
  live: z
    .unknown()
    .describe("the workflow's status query (phase, stage, jobs, stages so far); null without a worker"),
  clients: z.array(z.unknown()).describe('latest progress of each client of the running stage'),
  failure: z.string().nullable(),
}).meta({ id: 'BenchmarkView' });

export const StartResult = z
  .object({
    benchmarkId: z.string(),
    workflowId: z.string(),
    runId: z.string().nullable(),
    created: z.boolean().describe('false: the Idempotency-Key named a run that already exists'),
  })
  .meta({ id: 'StartResult' });

export const StopAck = z.object({ phase: z.enum(PHASES), stageName: z.string().nullable() });

export const StopBody = z.object({ reason: z.string().max(500).optional() }).nullish();

export const ResultsQuery = z.object({ format: z.enum(['json', 'csv']).optional() });

const ID_LIST = new RegExp(
  `^${BENCHMARK_ID_RE.source.slice(1, -1)}(,${BENCHMARK_ID_RE.source.slice(1, -1)}){0,7}$`,
);

export const ReportQuery = z.object({
  format: z
    .enum(['html', 'md', 'json'])
    .optional()
    .describe(
      'html (default), md (Markdown, figures inline as data: URIs) or json (the data it is drawn from)',
    ),
  with: z
    .string()
    .regex(ID_LIST, 'benchmark ids separated by commas (at most 8)')
    .optional()
    .describe('other benchmarks to compare against this one (the baseline), comma-separated'),
});

export const LogsQuery = z.object({
  component: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/)
    .optional()
    .describe('service (default), service.err, s0-clients-0, ...'),
  tail: z.coerce.number().int().min(1).max(100_000).optional(),
  offset: z.coerce.number().int().min(0).optional().describe('nextOffset of the previous answer (follow)'),
});

export const LogsView = z.object({
  benchmarkId: z.string(),
  component: z.string(),
  components: z.array(z.string()),
  text: z.string(),
  nextOffset: z.number(),
});

export const RecipeBodyDoc =
  'The recipe, as JSON (application/json) or YAML (application/yaml, text/yaml, text/plain); see the README.';

export const ValidateResult = z.object({
  valid: z.boolean(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
  recipe: z.looseObject({}).nullable().describe('with defaults filled in, durations in ms'),
});

export const ExampleRecipe = z.object({
  file: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  recipe: z.unknown(),
});

export const ScheduleBody = z.object({
  recipe: z.unknown().describe('the recipe (JSON)'),
  cron: z.string().max(200).optional().describe('e.g. "0 2 * * *" (02:00 UTC daily)'),
  every: z.string().max(20).optional().describe('e.g. "6h"'),
  scheduleId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/)
    .optional(),
  paused: z.boolean().optional(),
});

export const ScheduleParams = z.object({ scheduleId: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/) });

export const ScheduleView = z
  .object({
    scheduleId: z.string(),
    recipeName: z.string().nullable(),
    cron: z.array(z.string()),
    everyMs: z.array(z.number()),
    paused: z.boolean(),
    nextRuns: z.array(z.string()),
    recentRuns: z.array(z.object({ workflowId: z.string(), startedAt: z.string() })),
  })
  .meta({ id: 'Schedule' });

export const Health = z.object({
  ok: z.boolean(),
  temporal: z.object({ address: z.string(), namespace: z.string(), reachable: z.boolean() }),
  taskQueue: z.string(),
  workers: z.number().nullable().describe('workflow pollers on the task queue'),
});

export const DeploymentParams = z.object({ name: recipeName.describe("the deployment recipe's name") });

export const DownQuery = z.object({ reason: z.string().max(500).optional() });

export const DeploymentView = z
  .object({
    name: z.string(),
    workflowId: z.string().describe('deploy-<name>'),
    runId: z.string(),
    status: z.enum(RUN_STATUSES),
    phase: z.enum(DEPLOYMENT_PHASES).nullable(),
    endpoint: z.string().nullable().describe('host:port while serving'),
    job: z.string().nullable().describe("its service job's name"),
    serviceKind: z.string().nullable(),
    executor: z.string().nullable(),
    startedAt: z.string(),
    expiresAt: z.string().nullable().describe('when its ttl tears it down'),
    closedAt: z.string().nullable(),
    benchmarks: z.array(z.string()).describe('benchmarks that attached, oldest first'),
    downReason: z.string().nullable(),
    failure: z.string().nullable(),
  })
  .meta({ id: 'Deployment' });
