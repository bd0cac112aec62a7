/**
 * The dashboards against the real thing: a real benchmark (simulator, local executor, through
 * the workflow and the relay) pushes its series to a real Pushgateway scraped by a real
 * Prometheus and its logs to a Loki push endpoint; then every PromQL expression of every
 * dashboard, its variables substituted for that benchmark, runs there and must return data
 * (the few that cannot here say why); every LogQL expression selects only labels that were
 * pushed; and every control action matches the real API's OpenAPI document and, performed as
 * Grafana and Infinity perform it, changes a benchmark or deployment as its button says.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { temporalHealth } from '../../control/connect';
import { TemporalControl } from '../../control/temporal-control';
import { WORKFLOW_TYPE } from '../../core/contract';
import { type AifbConfig, repoRoot } from '../../core/node/config';
import { DS } from '../../grafana/src/common';
import { buildDashboards } from '../../grafana/src/dashboards';
import type { InfinityQuery } from '../../grafana/src/infinity-query';
import { panelsOf, variablesOf } from '../../grafana/src/inventory';
import type { BenchmarkWorker as Worker } from '../../workers/worker';
import {
  type DevEnv,
  freePort,
  inProcessWorker,
  startDevEnv,
  testConfig,
  waitForPhase,
} from '../integration/harness';
import { type PromStack, startPromStack } from '../telemetry/prom-stack';
import {
  type InfinityDatasource,
  infinityRows,
  performAction,
  provisionedInfinity,
  type Row,
} from './infinity-emulation';
import { parseLogql } from './parsers';
import { type Expr, exprsOf, macros, substitute, variableInner } from './queries';

const TOKEN = 'grafana-tier-token-0123456789';
const SCRAPE_S = 1;
const dashboards = buildDashboards();
const byUid = (uid: string) => dashboards.find((d) => d.json.uid === uid)!;

let prom: PromStack;
let dev: DevEnv;
let config: AifbConfig;
let worker: Worker;
let running: Promise<void>;
let app: FastifyInstance;
let apiUrl: string;
let loki: Server;
/** Every label set the worker pushed to Loki. */
const lokiStreams: Record<string, string>[] = [];

beforeAll(async () => {
  prom = await startPromStack();
  dev = await startDevEnv();
  loki = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      for (const s of (JSON.parse(body) as { streams: { stream: Record<string, string> }[] }).streams)
        lokiStreams.push(s.stream);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => loki.listen(0, '127.0.0.1', r));
  config = {
    ...testConfig(),
    telemetry: {
      pushgatewayUrl: prom.pushgatewayUrl,
      prometheusUrl: prom.prometheusUrl,
      lokiUrl: `http://127.0.0.1:${(loki.address() as AddressInfo).port}`,
      pushRetentionMs: null,
      pushIntervalMs: 1000,
    },
  };
  worker = await inProcessWorker(dev, config);
  running = worker.run();
  const control = new TemporalControl(dev.env.client, config);
  app = await buildApp({
    control,
    token: TOKEN,
    corsOrigins: [],
    health: () => temporalHealth(control, dev.address),
    examplesDir: join(repoRoot, 'examples'),
  });
  const port = await freePort();
  await app.listen({ host: '127.0.0.1', port });
  apiUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app?.close();
  worker?.shutdown();
  await running?.catch(() => undefined);
  await dev?.teardown();
  await prom?.stop();
  loki?.close();
});

/** Two stages, closed then open loop; a 200 ms timeout makes the longer answers fail (errors, an invalid verdict). */
const RECIPE = {
  name: 'grafana',
  service: {
    kind: 'simulator',
    simulator: { ttft: '40ms', itl: '5ms', seed: 11 },
    health: { timeout: '20s', interval: '200ms' },
  },
  workload: {
    kind: 'openai-chat',
    dataset: {
      synthetic: { inputTokens: 32, outputTokens: { mean: 20, stdev: 12, min: 2, max: 60 } },
      seed: 5,
    },
    clients: { count: 2 },
    stages: [
      { name: 'c4', mode: 'concurrency', concurrency: 4, duration: '6s', warmup: '1s', cooldown: '1s' },
      { name: 'r20', mode: 'constant', rate: 20, duration: '6s', warmup: '1s', cooldown: '1s' },
    ],
    requestTimeout: '200ms',
    slo: { ttft: '100ms' },
  },
  // Every Trends figure a reference can name, bounded on both sides (so each band has both
  // edges): wide bands that pass, and no failure allowed, which the timeouts break (a regression).
  references: {
    stages: {
      '*': {
        'throughput.requestsPerS': [20, '-95%', '900%', 'req/s'],
        'throughput.outputTokensPerS': [300, -0.95, 9, 'tok/s'],
        'goodput.requestsPerS': [10, -1, 9, 'req/s'],
        'latencyMs.ttft.p50': [50, -0.95, 9, 'ms'],
        'latencyMs.ttft.p99': [50, -0.95, 9, 'ms'],
        'latencyMs.tpot.p50': [5, -0.95, 9, 'ms'],
        'latencyMs.tpot.p99': [5, -0.95, 9, 'ms'],
        'latencyMs.itl.p99': [5, -0.95, 9, 'ms'],
        'latencyMs.e2e.p99': [150, -0.95, 9, 'ms'],
        'rate.achievedPerS': [20, -0.95, 9, 'req/s'],
        'system.process.cpuCoresMean': [0.5, -1, 99, 'cores'],
        'requests.failed': [0, 0, 0, 'requests'],
      },
    },
  },
};

/** Queries that cannot return data on this machine, and why. Everything else must. */
const NO_DATA: [match: RegExp, why: string][] = [
  [
    /panel "GPU (utilisation|memory|power)"/,
    'no GPU here: the sampler reports aifb_gpu_present 0 and no GPU series',
  ],
  [/panel "GPU and energy by stage"/, 'no GPU here: no GPU figures, energy or J/token in the summary'],
  [/metric=aifb_stage_system_joules_per_output_token/, 'no GPU here: no J/token'],
  [
    /panel "\$\{metric:text\} (against its reference|reference checks)" \w metric=aifb_stage_server_running_requests_mean/,
    'server.runningRequests.mean is no figure a reference can name (core/figures.ts)',
  ],
];

async function queryRange(expr: string, startS: number, endS: number, stepS: number) {
  const params = new URLSearchParams({
    query: expr,
    start: String(startS),
    end: String(endS),
    step: String(stepS),
  });
  const res = await fetch(`${prom.prometheusUrl}/api/v1/query_range`, { method: 'POST', body: params });
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data!.result.filter((r) => r.values.some(([, v]) => Number.isFinite(Number(v))));
}

interface Outcome {
  dashboard: string;
  where: string;
  expr: string;
  series: number;
  labels: string[];
  expected: string;
}

describe('a real benchmark answers the dashboards', () => {
  let id: string;
  let startS: number;
  let endS: number;
  const outcomes: Outcome[] = [];

  it('runs, and while it loads the Live run dashboard lists it', async () => {
    id = `bench-grafana-${Date.now().toString(36)}`;
    startS = Math.floor(Date.now() / 1000) - 5;
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [RECIPE],
    });
    await waitForPhase(handle, 'loading', 120_000);
    const live = variablesOf(byUid('aifb-live-run').json).find((v) => v.name === 'benchmark')!;
    const inner = variableInner(live.query).expr!;
    const regex = new RegExp(live.raw.regex!.slice(1, -1));
    let listed: string[] = [];
    for (let i = 0; i < 30 && !listed.includes(id); i++) {
      const rows = await prom.api.query(inner);
      listed = rows.map((r) => regex.exec(`{benchmark="${r.metric.benchmark}"}`)?.[1] ?? '');
      if (!listed.includes(id)) await sleep(500);
    }
    expect(listed).toContain(id);
    // Timeouts make the stages invalid: the run fails as InvalidRun with its results kept.
    const outcome = await handle.result().then(
      () => 'completed',
      (e: Error) => `${e.message} ${(e.cause as Error | undefined)?.message ?? ''}`,
    );
    expect(outcome).toMatch(/INVALID|completed/);
    for (let i = 0; i < 40; i++) {
      const stages = await prom.api.query(`count(aifb_stage_requests_ok{benchmark="${id}"})`);
      const final = await prom.api.query(`aifb_benchmark_phase_code{benchmark="${id}"}`);
      const verdict = await prom.api.query(`aifb_benchmark_verdict{benchmark="${id}"}`);
      if (stages[0]?.value === 2 && (final[0]?.value ?? 0) >= 6 && verdict.length > 0) break;
      await sleep(500);
    }
    endS = Math.ceil(Date.now() / 1000) + 1;
    // The references judged it: failures break `requests.failed`, the wide bands pass.
    expect((await prom.api.query(`aifb_benchmark_verdict{benchmark="${id}"}`))[0]?.value).toBe(0);
    const checks = await prom.api.query(`aifb_stage_reference_pass{benchmark="${id}"}`);
    expect(checks.length).toBe(2 * Object.keys(RECIPE.references.stages['*']).length);
    expect(
      checks.filter((c) => c.value === 0 && c.metric.figure !== 'requests.failed').map((c) => c.metric),
    ).toEqual([]);
    expect(checks.some((c) => c.value === 0 && c.metric.figure === 'requests.failed')).toBe(true);
  });

  it('every PromQL expression runs against it and returns data where it must', async () => {
    const stepS = 2;
    const vars = {
      ...macros(endS - startS, stepS, SCRAPE_S),
      benchmark: id,
      recipe: RECIPE.name,
      stage: 'c4|r20',
      datasource: DS.prometheus.uid,
    };
    for (const d of dashboards) {
      const metric = variablesOf(d.json).find((v) => v.name === 'metric');
      for (const e of exprsOf(d).filter((x) => x.language === 'promql')) {
        for (const m of metric && /\$\{?metric\b/.test(e.text) ? metric.options : [null]) {
          const expr = m
            ? substitute(e.text, { ...vars, metric: m.value }, { metric: m.text })
            : substitute(e.text, vars);
          const where = `${e.where}${m ? ` metric=${m.value}` : ''}`;
          const key = `${d.json.uid} ${where}`;
          const noData = NO_DATA.find(([re]) => re.test(key));
          const result = await evaluate(e, expr, startS, endS, stepS);
          outcomes.push({
            dashboard: d.json.uid!,
            where,
            expr,
            series: result.series,
            labels: result.labels,
            expected: noData ? `no data: ${noData[1]}` : 'data',
          });
        }
      }
    }
    mkdirSync(join(repoRoot, 'data', 'test-reports'), { recursive: true });
    writeFileSync(join(repoRoot, 'data', 'test-reports', 'grafana-queries.md'), report(outcomes));
    const missing = outcomes
      .filter((o) => o.expected === 'data' && o.series === 0)
      .map((o) => `${o.dashboard} ${o.where}: ${o.expr}`);
    expect(missing).toEqual([]);
    // A no-data entry that has data is a stale excuse.
    const excused = outcomes
      .filter((o) => o.expected !== 'data' && o.series > 0)
      .map((o) => `${o.dashboard} ${o.where}`);
    expect(excused).toEqual([]);
    // Variables list the run's own values.
    for (const o of outcomes.filter((x) => x.where.startsWith('variable') && x.expected === 'data'))
      expect(
        o.labels.some((l) => [id, RECIPE.name, 'c4'].includes(l)),
        o.where,
      ).toBe(true);
    expect(outcomes.length).toBeGreaterThan(70);
  });

  it('every LogQL expression selects only labels the worker pushed to Loki', () => {
    expect(lokiStreams.length).toBeGreaterThan(0);
    const pushed = new Set(lokiStreams.flatMap((s) => Object.keys(s)));
    expect([...pushed].sort()).toEqual(['benchmark', 'component', 'job_id', 'stream']);
    expect(lokiStreams.some((s) => s.benchmark === id && s.stream === 'stdout')).toBe(true);
    const vars = { benchmark: id, component: '.+', stream: '.+', search: '', ...macros(600, 2, SCRAPE_S) };
    let checked = 0;
    for (const d of dashboards) {
      for (const e of exprsOf(d).filter((x) => x.language === 'logql')) {
        const { errors, labels } = parseLogql(substitute(e.text, vars));
        expect(errors, e.where).toBe(0);
        for (const label of labels)
          expect(pushed.has(label), `${d.file} ${e.where}: label ${label}`).toBe(true);
        checked++;
      }
      for (const v of variablesOf(d.json).filter((x) => x.language === 'logql')) {
        const { label } = variableInner(v.query);
        if (label) expect(pushed.has(label), `${d.file} variable ${v.name}`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });
});

async function evaluate(e: Expr, expr: string, startS: number, endS: number, stepS: number) {
  if (e.kind === 'instant') {
    const rows = await prom.api.query(expr, endS);
    return {
      series: rows.filter((r) => Number.isFinite(r.value)).length,
      labels: rows.flatMap((r) => Object.values(r.metric)),
    };
  }
  const rows = await queryRange(expr, startS, endS, stepS);
  return { series: rows.length, labels: rows.flatMap((r) => Object.values(r.metric)) };
}

function report(outcomes: Outcome[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| dashboard | where | query (as run) | series | expected |',
    '| --- | --- | --- | --- | --- |',
    ...outcomes.map(
      (o) =>
        `| ${o.dashboard} | ${cell(o.where)} | \`${cell(o.expr)}\` | ${o.series} | ${cell(o.expected)} |`,
    ),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The Control dashboard against the real API.

const control = byUid('aifb-control');
const controlPanel = (title: string) => panelsOf(control.json).find((p) => p.title === title)!;
const actionOf = (panel: string, title: string): dashboard.Action => {
  const a = controlPanel(panel).actions.find((x) => x.title === title);
  if (!a) throw new Error(`no action ${title} on ${panel}`);
  return a;
};
const queryOf = (panel: string) => controlPanel(panel).queries[0]!.raw as unknown as InfinityQuery;

function datasource(token = TOKEN): InfinityDatasource {
  const yaml = readFileSync(join(repoRoot, 'grafana', 'provisioning', 'datasources', 'aifb.yaml'), 'utf8');
  return provisionedInfinity(
    yaml,
    {
      AIFB_API_URL: apiUrl,
      AIFB_API_TOKEN: token,
      AIFB_PROMETHEUS_URL: prom.prometheusUrl,
      LOKI_URL: 'http://loki.invalid',
    },
    DS.api.uid,
  );
}

const dashboardVars = () => ({ api_url: apiUrl });

async function view(path: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${apiUrl}${path}`)).json()) as Record<string, unknown>;
}

async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (t: T) => boolean,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await read();
    if (ok(t)) return t;
    if (Date.now() > deadline) {
      const failure = (t as { failure?: unknown }).failure;
      throw new Error(`${what}: never; failure ${failure}; last ${JSON.stringify(t).slice(0, 500)}`);
    }
    await sleep(500);
  }
}

async function rowOf(panel: string, field: string, value: string): Promise<Row> {
  const rows = await until(
    `${panel} lists ${value}`,
    () => infinityRows(datasource(), queryOf(panel), dashboardVars()),
    (rs) => rs.some((r) => r[field] === value),
    30_000,
  );
  return rows.find((r) => r[field] === value)!;
}

describe('the Control dashboard drives the real API', () => {
  it('every action and query is a route of the OpenAPI document, with the columns the route returns', async () => {
    const doc = (await (await fetch(`${apiUrl}/docs/json`)).json()) as OpenApi;
    const calls: [string, string, InfinityQuery | null][] = [];
    for (const p of panelsOf(control.json)) {
      for (const q of p.queries) calls.push(['GET', q.text, q.raw as unknown as InfinityQuery]);
      for (const a of p.actions) calls.push([a.infinity!.method, a.infinity!.url, null]);
    }
    expect(calls.length).toBe(11);
    for (const [method, url, query] of calls) {
      const path = url
        .replace('${api_url}', '')
        .split('?')[0]!
        .replace(/\$\{__data\.fields\.\w+\}/g, 'x1');
      const route = Object.keys(doc.paths).find(
        (r) =>
          new RegExp(`^${r.replace(/\{\w+\}/g, '[^/]+')}$`).test(path) &&
          method.toLowerCase() in doc.paths[r]!,
      );
      expect(route, `${method} ${url}`).toBeDefined();
      const op = doc.paths[route!]![method.toLowerCase()]!;
      if (method !== 'GET')
        expect(op.security, `${method} ${route} needs the token`).toEqual([{ bearer: [] }]);
      if (query && !query.root_selector.startsWith('$')) {
        const props = columnsOf(doc, op, query.root_selector);
        for (const c of query.columns) expect(props, `${route} has ${c.selector}`).toContain(c.selector);
      }
    }
  });

  it('Start (an example), then Cancel: the example runs, then ends cancelled', async () => {
    const example = await rowOf('Start from an example', 'name', 'demo');
    expect(JSON.parse(String(example.recipe)).name).toBe('demo');
    const started = await performAction(datasource(), actionOf('Start from an example', 'Start'), {
      row: example,
      dashboardVars: dashboardVars(),
    });
    expect(started.status).toBe(201);
    const { benchmarkId } = (await started.json()) as { benchmarkId: string };
    expect(benchmarkId).toMatch(/^bench-demo-/);
    await until(
      `${benchmarkId} loads`,
      () => view(`/benchmarks/${benchmarkId}`),
      (v) => v.phase === 'loading',
    );

    const row = await rowOf('Benchmarks', 'benchmarkId', benchmarkId);
    expect(row.status).toBe('running');
    const cancelled = await performAction(datasource(), actionOf('Benchmarks', 'Cancel'), {
      row,
      dashboardVars: dashboardVars(),
    });
    expect(cancelled.status).toBe(202);
    await until(
      `${benchmarkId} cancelled`,
      () => view(`/benchmarks/${benchmarkId}`),
      (v) => v.status === 'cancelled',
    );
  });

  it('Start (a pasted recipe), Stop stage, then Stop: the next stage starts early, then the run ends stopped', async () => {
    const pasted =
      '{name: grafana-paste, service: {kind: simulator, simulator: {ttft: 20ms, itl: 5ms}, health: {timeout: 20s, interval: 200ms}}, workload: {kind: openai-chat, dataset: {synthetic: {inputTokens: 16, outputTokens: 8}}, clients: {count: 1}, stages: [{name: first, mode: concurrency, concurrency: 2, duration: 120s}, {name: second, mode: concurrency, concurrency: 2, duration: 120s}]}}';
    const started = await performAction(datasource(), actionOf('Workers polling', 'Start a pasted recipe'), {
      dashboardVars: dashboardVars(),
      typed: { recipe: pasted },
    });
    expect(started.status).toBe(201);
    const { benchmarkId } = (await started.json()) as { benchmarkId: string };
    const stage = (v: Record<string, unknown>) => (v.live as { stageName?: string } | null)?.stageName;
    // A stage counts once its clients completed requests in its measured window: stop only then.
    // A client's counters run on across stages, so the second stage needs more than the first left.
    const measured = (v: Record<string, unknown>, index: number) =>
      Math.max(
        -1,
        ...(v.clients as { stageIndex: number; phase: string; ok: number }[])
          .filter((c) => c.stageIndex === index && c.phase === 'measuring')
          .map((c) => c.ok),
      );
    const path = `/benchmarks/${benchmarkId}`;
    await until(
      `${benchmarkId} measures stage first`,
      () => view(path),
      (v) => stage(v) === 'first' && measured(v, 0) >= 2,
    );

    const row = await rowOf('Benchmarks', 'benchmarkId', benchmarkId);
    const stopStage = await performAction(datasource(), actionOf('Benchmarks', 'Stop stage'), {
      row,
      dashboardVars: dashboardVars(),
    });
    expect(stopStage.status).toBe(202);
    const second = await until(
      `${benchmarkId} measures stage second`,
      () => view(path),
      (v) => stage(v) === 'second' && measured(v, 1) >= 0,
    );
    const base = measured(second, 1);
    await until(
      `${benchmarkId} completes requests in stage second`,
      () => view(path),
      (v) => measured(v, 1) >= base + 3,
    );

    const stop = await performAction(datasource(), actionOf('Benchmarks', 'Stop'), {
      row,
      dashboardVars: dashboardVars(),
    });
    expect(stop.status).toBe(202);
    await until(
      `${benchmarkId} ends`,
      () => view(`/benchmarks/${benchmarkId}`),
      (v) => v.status === 'completed',
    );
    const results = await view(`/benchmarks/${benchmarkId}/results`);
    expect(results.status).toBe('stopped');
    expect((results.stages as { name: string }[]).map((s) => s.name)).toEqual(['first', 'second']);

    // Stopping again: nothing to stop, and the API says so (Grafana shows the error).
    const again = await performAction(datasource(), actionOf('Benchmarks', 'Stop'), {
      row,
      dashboardVars: dashboardVars(),
    });
    expect(again.status).toBe(409);
  });

  it('Deploy up (a pasted deployment recipe), then Take down: it serves, then goes down', async () => {
    const pasted =
      '{name: grafana-dep, target: {executor: local}, service: {kind: simulator, health: {timeout: 20s}}, deployment: {ttl: 10m}}';
    const up = await performAction(
      datasource(),
      actionOf('Workers polling', 'Deploy up (pasted deployment recipe)'),
      {
        dashboardVars: dashboardVars(),
        typed: { deployment: pasted },
      },
    );
    expect(up.status).toBe(201);
    await until(
      'grafana-dep serves',
      () => view('/deployments/grafana-dep'),
      (v) => v.phase === 'serving',
    );
    const row = await rowOf('Deployments', 'name', 'grafana-dep');
    expect(row.status).toBe('running');
    const down = await performAction(datasource(), actionOf('Deployments', 'Take down'), {
      row,
      dashboardVars: dashboardVars(),
    });
    expect(down.status).toBe(202);
    const gone = await until(
      'grafana-dep down',
      () => view('/deployments/grafana-dep'),
      (v) => v.status !== 'running',
    );
    expect(gone.downReason).toMatch(/taken down from Grafana/);
  });

  it('the token comes from provisioning: without it the API refuses the action', async () => {
    const row = { benchmarkId: 'bench-nothing-000000' };
    const refused = await performAction(datasource(''), actionOf('Benchmarks', 'Cancel'), {
      row,
      dashboardVars: dashboardVars(),
    });
    expect(refused.status).toBe(401);
  });
});

interface OpenApiOp {
  security?: unknown;
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
type Schema = { $ref?: string; type?: string; properties?: Record<string, Schema>; items?: Schema };
interface OpenApi {
  paths: Record<string, Record<string, OpenApiOp>>;
  components?: { schemas?: Record<string, Schema> };
}

/** The property names of the rows a root selector picks from a route's 200 response schema. */
function columnsOf(doc: OpenApi, op: OpenApiOp, rootSelector: string): string[] {
  const deref = (s: Schema | undefined): Schema | undefined =>
    s?.$ref ? deref(doc.components?.schemas?.[s.$ref.split('/').at(-1)!]) : s;
  let s = deref(op.responses?.['200']?.content?.['application/json']?.schema);
  for (const key of rootSelector ? rootSelector.split('.') : []) s = deref(s?.properties?.[key]);
  if (s?.type === 'array') s = deref(s.items);
  return Object.keys(s?.properties ?? {});
}
