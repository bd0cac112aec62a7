/**
 * A production Temporal, for real: the official server (built from the Go module proxy by
 * setup) with Debian's PostgreSQL as persistence and visibility, set up as docker-compose.yml
 * sets it up: its schema step (deploy/temporal/setup-schema.sh with the temporal-sql-tool of
 * the same version), the server with the `temporal` service's environment, the namespace step
 * (deploy/temporal/create-namespace.sh). Then two aifb workers and the API as the compose file
 * starts them, real Pushgateway and Prometheus, and benchmarks (simulator, local executor)
 * through the API: two at once (both workers poll), listed from SQL visibility by aifb's search
 * attributes, one across a kill -9 and restart of the Temporal server, and the schema step run
 * again on the live database (what an upgrade does) changing nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalBinary } from '../../cli/embedded-stack';
import { repoRoot } from '../../core/node/config';
import { type RunningServer, startPrometheus, startPushgateway } from '../../telemetry/embedded';
import { freePort, jobProcessesUnder, simulatorRecipe } from '../integration/harness';
import { composeModel, testVars } from './compose';
import { type Postgres, startPostgres } from './postgres';
import {
  type ApiClient,
  apiClient,
  type Mapping,
  prepareMounts,
  type Running,
  serviceRun,
  startService,
  waitFor200,
} from './services';
import {
  runStep,
  serverPortEnv,
  startTemporalServer,
  type TemporalServer,
  temporalServerBin,
} from './temporal-server';

const vars = testVars();
const model = composeModel(vars);
const cli = temporalBinary();

let pg: Postgres;
let temporal: TemporalServer;
let temporalEnv: Record<string, string>;
let pushgateway: RunningServer;
let prometheus: RunningServer;
const workers: Running[] = [];
let api: Running;
let client: ApiClient;
let dataDir: string;
const timings: Record<string, number> = {};

async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await f();
  } finally {
    timings[name] = Date.now() - started;
  }
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'aifb-deploy-'));
  dataDir = join(root, 'data');
  const sqlTool = dirname(temporalServerBin());
  pg = await timed('postgres start', () => startPostgres('temporal', vars.TEMPORAL_DB_PASSWORD as string));
  const [grpc, metrics, pgwPort, promPort, apiPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const mapping: Mapping = {
    addresses: {
      'temporal:7233': `127.0.0.1:${grpc}`,
      'pushgateway:9091': `127.0.0.1:${pgwPort}`,
      'prometheus:9090': `127.0.0.1:${promPort}`,
      // No log store in this tier: log shipping retries and loses nothing, as when Loki is away.
      'http://loki:3100': `http://127.0.0.1:${await freePort()}`,
    },
    paths: {
      '/data': dataDir,
      '/home/aifb': join(root, 'home'),
      '/etc/temporal/config/dynamicconfig/aifb.yaml': join(repoRoot, 'deploy/temporal/dynamicconfig.yaml'),
    },
    binds: {
      SQL_HOST: pg.host,
      SQL_PORT: String(pg.port),
      POSTGRES_SEEDS: pg.host,
      DB_PORT: String(pg.port),
      BIND_ON_IP: '127.0.0.1',
      FRONTEND_GRPC_PORT: String(grpc),
      PROMETHEUS_ENDPOINT: `127.0.0.1:${metrics}`,
      AIFB_API_HOST: '127.0.0.1',
      AIFB_API_PORT: String(apiPort),
      AIFB_WORKER_METRICS_HOST: '127.0.0.1',
    },
  };
  // The schema step, as the temporal-schema service runs it.
  const schemaEnv = serviceRun(model, 'temporal-schema', mapping).env;
  await timed('schema setup', () => runStep('setup-schema.sh', schemaEnv, [sqlTool]));
  temporalEnv = { ...serviceRun(model, 'temporal', mapping).env, ...(await serverPortEnv()) };
  temporal = await timed('temporal start', () => startTemporalServer(temporalEnv, cli));
  const nsEnv = serviceRun(model, 'temporal-namespace', mapping).env;
  await timed('namespace', () => runStep('create-namespace.sh', nsEnv, [dirname(cli)]));
  pushgateway = await startPushgateway({ dataDir: root, port: pgwPort });
  prometheus = await startPrometheus({
    dataDir: root,
    port: promPort,
    targets: { pushgateway: `127.0.0.1:${pgwPort}` },
  });
  for (const name of ['worker', 'api']) prepareMounts(model, name, mapping);
  // The API first: it registers aifb's search attributes on the fresh server.
  api = startService(serviceRun(model, 'api', mapping));
  await timed('api ready', () => waitFor200(`http://127.0.0.1:${apiPort}/health`, api));
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const worker = startService(
      serviceRun(model, 'worker', {
        ...mapping,
        binds: { ...mapping.binds, AIFB_WORKER_METRICS_PORT: String(port) },
      }),
    );
    workers.push(worker);
    await timed(`worker ${i} ready`, () => waitFor200(`http://127.0.0.1:${port}/metrics`, worker));
  }
  client = apiClient(`http://127.0.0.1:${apiPort}`, vars.AIFB_API_TOKEN as string);
}, 300_000);

afterAll(async () => {
  await Promise.all([...workers.map((w) => w.stop()), api?.stop()]);
  await temporal?.server.stop();
  await Promise.all([pushgateway?.stop(), prometheus?.stop()]);
  await pg?.stop();
  console.log(`deploy tier timings (ms): ${JSON.stringify(timings)}`);
});

const health = async () =>
  (await (await client.call('GET', '/health')).json()) as { ok: boolean; workers: number | null };

describe('aifb on a production Temporal server with PostgreSQL persistence and visibility', () => {
  it('the server is the built one, on PostgreSQL; two workers poll', async () => {
    expect(temporalEnv.DB).toBe('postgres12');
    const h = await health();
    expect(h.ok).toBe(true);
    // Each worker polls the task queue under its own identity.
    for (let i = 0; i < 20 && (await health()).workers !== 2; i++) await sleep(500);
    expect((await health()).workers).toBe(2);
  });

  it('two benchmarks at once complete, and SQL visibility finds them by aifb’s search attributes', async () => {
    const [a, b] = await timed('two benchmarks', () =>
      Promise.all([
        client.runToEnd(simulatorRecipe({ name: 'deploy-a' })),
        client.runToEnd(simulatorRecipe({ name: 'deploy-b' })),
      ]),
    );
    expect(a.status, JSON.stringify(a.failure)).toBe('completed');
    expect(b.status, JSON.stringify(b.failure)).toBe('completed');
    const list = (await (await client.call('GET', '/benchmarks?recipe=deploy-a')).json()) as {
      items: { benchmarkId: string }[];
    };
    expect(list.items.map((i) => i.benchmarkId)).toEqual([a.benchmarkId]);
    const results = (await (await client.call('GET', `/benchmarks/${b.benchmarkId}/results`)).json()) as {
      status: string;
      stages: { requests: { ok: number } }[];
    };
    expect(results.status).toBe('completed');
    expect(results.stages[0]?.requests.ok).toBeGreaterThan(0);
  });

  it('a benchmark survives a kill -9 and restart of the Temporal server', async () => {
    const recipe = simulatorRecipe({ name: 'deploy-restart' }) as {
      workload: { stages: Record<string, unknown>[] };
    };
    recipe.workload.stages = [
      { name: 'long', mode: 'concurrency', concurrency: 4, duration: '12s', warmup: '1s', cooldown: '2s' },
    ];
    const started = (await (await client.call('POST', '/benchmarks', recipe)).json()) as {
      benchmarkId: string;
    };
    // Wait until it is loading, then kill the server outright.
    for (let i = 0; i < 120; i++) {
      const view = (await (await client.call('GET', `/benchmarks/${started.benchmarkId}`)).json()) as {
        live?: { phase?: string } | null;
      };
      if (view.live?.phase === 'loading') break;
      await sleep(500);
    }
    process.kill(temporal.server.pid as number, 'SIGKILL');
    await sleep(3000);
    expect((await health()).ok).toBe(false);
    temporal = await timed('temporal restart', () => startTemporalServer(temporalEnv, cli));
    const deadline = Date.now() + 180_000;
    let status = 'running';
    while (status === 'running' && Date.now() < deadline) {
      await sleep(1000);
      const row = (await (await client.call('GET', `/benchmarks/${started.benchmarkId}`)).json()) as {
        status?: string;
      };
      status = row.status ?? 'running';
    }
    expect(status).toBe('completed');
    const results = (await (
      await client.call('GET', `/benchmarks/${started.benchmarkId}/results`)
    ).json()) as {
      status: string;
      stages: { validity: { valid: boolean } }[];
    };
    expect(results.status).toBe('completed');
    expect(results.stages[0]?.validity.valid).toBe(true);
    expect(jobProcessesUnder(dataDir)).toEqual([]);
  });

  it('the schema step again on the live database (an upgrade’s first step) is a no-op', async () => {
    const env = serviceRun(model, 'temporal-schema', {
      addresses: {},
      paths: {},
      binds: { SQL_HOST: pg.host, SQL_PORT: String(pg.port) },
    }).env;
    const out = await runStep('setup-schema.sh', env, [dirname(temporalServerBin())]);
    // Both databases are past the initial version and at the tool's newest: nothing to apply.
    expect(out.match(/Skip version upgrade/g)).toHaveLength(2);
    expect(out.match(/found zero updates from current version/g)).toHaveLength(2);
    expect(out).toMatch(/Temporal schema ready/);
    expect((await health()).ok).toBe(true);
  });
});
