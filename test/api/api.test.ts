/**
 * The HTTP API against a real dev server and worker: start (JSON, YAML, idempotent), list from
 * visibility, live status, stop a stage, stop the run, results, logs, auth, docs, schedules.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type {
  BenchmarkListItem,
  BenchmarkView,
  ListPage,
  ScheduleView,
  StartResult,
} from '../../control/types';
import type { BenchmarkSummary } from '../../core/summary';
import { jobProcessesUnder, simulatorRecipe } from '../integration/harness';
import { type ApiStack, startApiStack } from './harness';

let stack: ApiStack;
beforeAll(async () => {
  stack = await startApiStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** Two long stages: the test ends them with stop-stage and stop, so it takes seconds, not minutes. */
function longRecipe(name: string) {
  const base = simulatorRecipe({ name });
  const workload = base.workload as Record<string, unknown>;
  return {
    ...base,
    workload: {
      ...workload,
      stages: [
        { name: 'first', mode: 'concurrency', concurrency: 2, duration: '10m', cooldown: '2s' },
        { name: 'second', mode: 'concurrency', concurrency: 2, duration: '10m', cooldown: '2s' },
      ],
    },
  };
}

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function waitFor(
  id: string,
  until: (v: BenchmarkView) => boolean,
  what: string,
): Promise<BenchmarkView> {
  const deadline = Date.now() + 120_000;
  let last: BenchmarkView | undefined;
  while (Date.now() < deadline) {
    last = await json<BenchmarkView>(await stack.call('GET', `/benchmarks/${id}`), 200);
    if (until(last)) return last;
    await sleep(300);
  }
  throw new Error(`${id} never reached: ${what} (last: ${last?.status}/${last?.phase})`);
}

/** Visibility is eventually consistent: poll until the filter shows what we expect. */
async function listUntil(query: string, until: (page: ListPage) => boolean): Promise<ListPage> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const page = await json<ListPage>(await stack.call('GET', `/benchmarks?${query}`), 200);
    if (until(page) || Date.now() > deadline) return page;
    await sleep(300);
  }
}

describe('auth and validation', () => {
  it('refuses mutating routes without the bearer token (401), with a wrong one too', async () => {
    const none = await stack.call('POST', '/benchmarks', { body: simulatorRecipe() });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await stack.call('POST', '/benchmarks', {
      body: simulatorRecipe(),
      headers: { authorization: 'Bearer not-the-token' },
    });
    expect(wrong.status).toBe(401);
    expect((await stack.call('POST', '/benchmarks/bench-x-abcdef/stop')).status).toBe(401);
    expect((await stack.call('POST', '/schedules', { body: {} })).status).toBe(401);
  });

  it('answers a bad recipe with 400 and every problem at its field path (JSON and YAML)', async () => {
    const bad = simulatorRecipe({ name: 'Bad Name', workload: { kind: 'openai-chat', stages: [] } });
    const error = await json<{ error: string; issues: { path: string }[] }>(
      await stack.call('POST', '/benchmarks', { body: bad, auth: true }),
      400,
    );
    expect(error.error).toBe('invalid-input');
    expect(error.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['name', 'workload.stages']));

    const yaml = await json<{ issues: { path: string; message: string }[] }>(
      await stack.call('POST', '/benchmarks', {
        text: {
          body: 'name: ok\nservice: { kind: simulator }\nworkload: { kind: openai-chat, stages: [{ mode: concurrency, concurrency: 1, duration: 1h, warmup: soon }] }',
          type: 'application/yaml',
        },
        auth: true,
      }),
      400,
    );
    expect(yaml.issues).toEqual([
      { path: 'workload.stages.0.warmup', message: expect.stringContaining('not a duration') },
    ]);

    const syntax = await json<{ message: string }>(
      await stack.call('POST', '/benchmarks', {
        text: { body: 'name: [unclosed', type: 'text/yaml' },
        auth: true,
      }),
      400,
    );
    expect(syntax.message).toMatch(/line 1/);
  });

  it('rejects bad query parameters with their path', async () => {
    const error = await json<{ issues: { path: string }[] }>(
      await stack.call('GET', '/benchmarks?status=sleeping&pageSize=0'),
      400,
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual(['querystring.pageSize', 'querystring.status']);
    expect((await stack.call('GET', '/benchmarks/bench-nobody-zzzzzz')).status).toBe(404);
  });

  it('validates without running: POST /recipes/validate; GET /recipes lists the examples', async () => {
    const ok = await json<{ valid: boolean; recipe: { workload: { stages: { duration: number }[] } } }>(
      await stack.call('POST', '/recipes/validate', { body: simulatorRecipe() }),
      200,
    );
    expect(ok.valid).toBe(true);
    expect(ok.recipe.workload.stages[0]?.duration).toBe(4000);
    const bad = await json<{ valid: boolean; issues: { path: string }[] }>(
      await stack.call('POST', '/recipes/validate', { body: { name: 'x' } }),
      200,
    );
    expect(bad.valid).toBe(false);
    expect(bad.issues.map((i) => i.path)).toEqual(['service', 'workload']);
    const examples = await json<{ file: string; name: string }[]>(await stack.call('GET', '/recipes'), 200);
    expect(examples.map((e) => e.file)).toContain('examples/demo.yaml');
  });
});

describe('a benchmark through the API', () => {
  let started: StartResult;

  it('starts a YAML recipe (201); the same Idempotency-Key starts nothing new (200, same id)', async () => {
    const body = stringify(longRecipe('api-run'));
    const headers = { 'idempotency-key': `key-${process.pid}-${Date.now()}` };
    const first = await stack.call('POST', '/benchmarks', {
      text: { body, type: 'application/yaml' },
      auth: true,
      headers,
    });
    started = await json<StartResult>(first, 201);
    expect(started.benchmarkId).toMatch(/^bench-api-run-[a-z0-9]{6}$/);
    expect(first.headers.get('location')).toBe(`/benchmarks/${started.benchmarkId}`);
    const retry = await json<StartResult>(
      await stack.call('POST', '/benchmarks', {
        text: { body, type: 'application/yaml' },
        auth: true,
        headers,
      }),
      200,
    );
    expect(retry).toEqual({ ...started, created: false });
  });

  it('shows live status: phase, stage, clients, jobs', async () => {
    const view = await waitFor(
      started.benchmarkId,
      (v) => v.live?.phase === 'loading' && v.clients.length === 2 && v.clients.every((c) => c.ok > 0),
      'loading with client progress',
    );
    expect(view).toMatchObject({ status: 'running', recipeName: 'api-run', serviceKind: 'simulator' });
    expect(view.live).toMatchObject({ stageName: 'first', stageIndex: 0, stageCount: 2 });
    expect(view.live?.jobs).toContain(`${started.benchmarkId}-service`);
  });

  it('lists it from visibility, filtered by status, recipe, service kind, phase and time; paginates', async () => {
    const since = new Date(Date.now() - 10 * 60_000).toISOString();
    const page = await listUntil(
      `status=running&recipe=api-run&serviceKind=simulator&phase=loading&startedAfter=${encodeURIComponent(since)}`,
      (p) => p.items.length > 0,
    );
    expect(page.items.map((i) => i.benchmarkId)).toEqual([started.benchmarkId]);
    expect(page.items[0]).toMatchObject<Partial<BenchmarkListItem>>({ executor: 'local', phase: 'loading' });
    const other = await json<ListPage>(await stack.call('GET', '/benchmarks?recipe=api-other'), 200);
    expect(other.items).toEqual([]);
    const future = new Date(Date.now() + 60_000).toISOString();
    const none = await json<ListPage>(
      await stack.call('GET', `/benchmarks?startedAfter=${encodeURIComponent(future)}`),
      200,
    );
    expect(none.items).toEqual([]);
  });

  it('ends the current stage early; the next one starts', async () => {
    const ack = await json<{ stageName: string }>(
      await stack.call('POST', `/benchmarks/${started.benchmarkId}/stages/current/stop`, { auth: true }),
      202,
    );
    expect(ack.stageName).toBe('first');
    const view = await waitFor(
      started.benchmarkId,
      (v) => v.live?.stageName === 'second',
      'the second stage',
    );
    expect(view.live?.stages).toHaveLength(1);
  });

  it('stops the whole run gracefully: results kept as "stopped", teardown ran, a second stop is a 409', async () => {
    // Stopped before any client has measured anything, a stage has no results (NoClientResults).
    await waitFor(
      started.benchmarkId,
      (v) => v.live?.stageName === 'second' && v.clients.length === 2 && v.clients.every((c) => c.ok > 0),
      'the second stage measuring',
    );
    await json(
      await stack.call('POST', `/benchmarks/${started.benchmarkId}/stop`, {
        auth: true,
        body: { reason: 'test' },
      }),
      202,
    );
    const done = await waitFor(started.benchmarkId, (v) => v.status !== 'running', 'the end');
    expect(done).toMatchObject({ status: 'completed', phase: 'done' });
    const summary = await json<BenchmarkSummary>(
      await stack.call('GET', `/benchmarks/${started.benchmarkId}/results`),
      200,
    );
    expect(summary.status).toBe('stopped');
    expect(summary.stages.map((s) => s.name)).toEqual(['first', 'second']);
    const csv = await stack.call('GET', `/benchmarks/${started.benchmarkId}/results?format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toMatch(/^benchmark_id,stage,mode/);
    expect(lines).toHaveLength(3);
    expect(jobProcessesUnder(stack.config.dataDir)).toEqual([]);
    const again = await stack.call('POST', `/benchmarks/${started.benchmarkId}/stop`, { auth: true });
    expect(again.status).toBe(409);
    const stageAgain = await stack.call('POST', `/benchmarks/${started.benchmarkId}/stages/current/stop`, {
      auth: true,
    });
    expect(stageAgain.status).toBe(409);
  });

  it('serves its logs by component, tailed', async () => {
    const logs = await json<{ components: string[]; text: string; nextOffset: number }>(
      await stack.call('GET', `/benchmarks/${started.benchmarkId}/logs?component=service&tail=50`),
      200,
    );
    expect(logs.components).toEqual(
      expect.arrayContaining(['service', 'clients-0', 'clients-1', 'service.err']),
    );
    expect(logs.text).toContain('aifb simulator listening');
    const missing = await stack.call('GET', `/benchmarks/${started.benchmarkId}/logs?component=nope`);
    expect(missing.status).toBe(404);
  });

  it('pages through the list', async () => {
    const quick = simulatorRecipe({ name: 'api-page' });
    for (let i = 0; i < 2; i++)
      await json(await stack.call('POST', '/benchmarks', { body: quick, auth: true }), 201);
    const first = await listUntil('recipe=api-page&pageSize=1', (p) => p.nextPageToken !== null);
    expect(first.items).toHaveLength(1);
    const second = await json<ListPage>(
      await stack.call('GET', `/benchmarks?recipe=api-page&pageSize=1&pageToken=${first.nextPageToken}`),
      200,
    );
    expect(second.items).toHaveLength(1);
    expect(second.items[0]?.benchmarkId).not.toBe(first.items[0]?.benchmarkId);
    // Leave nothing running for the next tests.
    for (const item of [...first.items, ...second.items]) {
      await stack.call('POST', `/benchmarks/${item.benchmarkId}/cancel`, { auth: true });
    }
  });
});

describe('schedules', () => {
  it('creates, lists, pauses, resumes and deletes a schedule; a triggered run is an ordinary benchmark', async () => {
    const recipe = simulatorRecipe({ name: 'nightly' });
    const created = await json<ScheduleView>(
      await stack.call('POST', '/schedules', { body: { recipe, cron: '0 2 * * *' }, auth: true }),
      201,
    );
    expect(created).toMatchObject({ scheduleId: 'aifb-nightly', recipeName: 'nightly', cron: ['0 2 * * *'] });
    expect(created.nextRuns[0]).toMatch(/T02:00:00/);
    const dup = await stack.call('POST', '/schedules', { body: { recipe, every: '6h' }, auth: true });
    expect(dup.status).toBe(409);
    const bad = await stack.call('POST', '/schedules', {
      body: { recipe, cron: '0 2 * * *', every: '6h' },
      auth: true,
    });
    expect(bad.status).toBe(400);

    const listed = await json<ScheduleView[]>(await stack.call('GET', '/schedules'), 200);
    expect(listed.map((s) => s.scheduleId)).toContain('aifb-nightly');
    const paused = await json<ScheduleView>(
      await stack.call('POST', '/schedules/aifb-nightly/pause', { auth: true }),
      200,
    );
    expect(paused.paused).toBe(true);
    expect(
      (
        await json<ScheduleView>(
          await stack.call('POST', '/schedules/aifb-nightly/unpause', { auth: true }),
          200,
        )
      ).paused,
    ).toBe(false);

    // "Run tonight's job now": the run it starts carries the recipe's attributes like any other.
    await stack.dev.env.client.schedule.getHandle('aifb-nightly').trigger();
    const page = await listUntil('recipe=nightly', (p) => p.items.length > 0);
    const run = page.items[0]!;
    expect(run.workflowId).toMatch(/^bench-nightly-sched-/);
    expect(run.benchmarkId).toMatch(/^bench-nightly-sched-[A-Za-z0-9._-]+$/);
    const view = await waitFor(run.benchmarkId, (v) => v.status !== 'running', 'the scheduled run to end');
    expect(view.status).toBe('completed');

    expect((await stack.call('DELETE', '/schedules/aifb-nightly', { auth: true })).status).toBe(204);
    expect((await stack.call('POST', '/schedules/aifb-nightly/pause', { auth: true })).status).toBe(404);
  });
});

describe('system routes', () => {
  it('health reports Temporal and the workers polling', async () => {
    const health = await json<{ ok: boolean; workers: number }>(await stack.call('GET', '/health'), 200);
    expect(health.ok).toBe(true);
    expect(health.workers).toBeGreaterThanOrEqual(1);
  });

  it('serves the OpenAPI document and its UI', async () => {
    const doc = await json<{ openapi: string; paths: Record<string, unknown> }>(
      await stack.call('GET', '/docs/json'),
      200,
    );
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/benchmarks',
        '/benchmarks/{id}',
        '/benchmarks/{id}/stop',
        '/benchmarks/{id}/stages/current/stop',
        '/benchmarks/{id}/results',
        '/benchmarks/{id}/report',
        '/benchmarks/{id}/logs',
        '/recipes',
        '/recipes/validate',
        '/schedules',
        '/health',
        '/metrics',
      ]),
    );
    const ui = await stack.call('GET', '/docs/');
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger/i);
  });

  it('exposes Prometheus metrics with per-route request counters', async () => {
    const text = await (await stack.call('GET', '/metrics')).text();
    expect(text).toMatch(/aifb_api_requests_total\{method="POST",route="\/benchmarks",status="401"\} \d+/);
    expect(text).toMatch(
      /aifb_api_request_duration_seconds_bucket\{le="[\d.]+",method="GET",route="\/benchmarks\/:id"\}/,
    );
    // From Temporal visibility at scrape time: a count, not a made-up constant.
    expect(text).toMatch(/^aifb_benchmarks_running \d+$/m);
  });

  it('answers CORS preflights for the configured Grafana origin only', async () => {
    const ok = await stack.call('OPTIONS', '/benchmarks', {
      headers: { origin: 'http://grafana.test:3000', 'access-control-request-method': 'POST' },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://grafana.test:3000');
    const other = await stack.call('OPTIONS', '/benchmarks', {
      headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
