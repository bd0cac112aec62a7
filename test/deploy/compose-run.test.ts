/**
 * docker-compose.yml's own services run for real, outside containers: the worker and the API
 * with exactly the command (the Dockerfile's ENTRYPOINT + the service's command) and the
 * environment the file gives them, against the embedded Temporal dev server, a real
 * Pushgateway, a real Prometheus running the stack's deploy/prometheus/prometheus.yml, and
 * VictoriaLogs taking Loki's push API. Only container facts are mapped (services.ts). A
 * benchmark (simulator, local executor) runs through the API; its series reach Prometheus by
 * the file's URLs, Prometheus scrapes the worker and API where the file says they serve, the
 * job logs reach the log store, and the image's health check passes for both.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type ChildServer, spawnUntilReady } from '../../core/node/child-server';
import { repoRoot } from '../../core/node/config';
import { TELEMETRY_BINARIES } from '../../telemetry/embedded';
import { PrometheusApi } from '../../telemetry/prometheus';
import { type DevEnv, freePort, simulatorRecipe, startDevEnv } from '../integration/harness';
import { eventually } from '../telemetry/prom-stack';
import { eventuallyRows, startVictoriaLogs, type VictoriaLogs } from '../telemetry/victorialogs';
import { composeModel, testVars } from './compose';
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

const run = promisify(execFile);
const vars = testVars();
const model = composeModel(vars);

let dev: DevEnv;
let logs: VictoriaLogs;
let pushgateway: ChildServer;
let prometheus: ChildServer;
let promUrl: string;
let worker: Running;
let api: Running;
let client: ApiClient;
let mapping: Mapping;
let workerEnv: Record<string, string>;
let apiEnv: Record<string, string>;

/**
 * The stack's prometheus.yml with the mapping's addresses. DNS discovery of a service name
 * becomes a static target (compose's DNS is not here); targets not mapped (Temporal's metrics)
 * stay as written and are simply down.
 */
function prometheusConfigHere(m: Mapping): string {
  type Job = {
    static_configs?: { targets: string[] }[];
    dns_sd_configs?: { names: string[]; port: number }[];
  };
  const config = parse(readFileSync(join(repoRoot, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
    scrape_configs: Job[];
  };
  for (const job of config.scrape_configs) {
    const targets = [
      ...(job.static_configs ?? []).flatMap((c) => c.targets),
      ...(job.dns_sd_configs ?? []).flatMap((c) => c.names.map((n) => `${n}:${c.port}`)),
    ];
    delete job.dns_sd_configs;
    job.static_configs = [{ targets: targets.map((t) => m.addresses[t] ?? t) }];
  }
  return stringify(config);
}

async function promQuery(
  query: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return body.data.result;
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'aifb-compose-'));
  [dev, logs] = await Promise.all([startDevEnv(), startVictoriaLogs()]);
  const [pgPort, promPort, apiPort, workerPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  mapping = {
    addresses: {
      'temporal:7233': dev.address,
      'pushgateway:9091': `127.0.0.1:${pgPort}`,
      'prometheus:9090': `127.0.0.1:${promPort}`,
      'http://loki:3100': logs.lokiUrl,
      'api:8080': `127.0.0.1:${apiPort}`,
      'worker:9464': `127.0.0.1:${workerPort}`,
    },
    paths: { '/data': join(root, 'data'), '/home/aifb': join(root, 'home') },
    binds: {
      AIFB_API_PORT: String(apiPort),
      AIFB_API_HOST: '127.0.0.1',
      AIFB_WORKER_METRICS_PORT: String(workerPort),
      AIFB_WORKER_METRICS_HOST: '127.0.0.1',
    },
  };
  pushgateway = await spawnUntilReady({
    binary: TELEMETRY_BINARIES.pushgateway,
    args: [`--web.listen-address=127.0.0.1:${pgPort}`],
    ready: () =>
      fetch(`http://127.0.0.1:${pgPort}/-/ready`).then(
        (r) => r.ok,
        () => false,
      ),
    what: 'Pushgateway',
    where: `127.0.0.1:${pgPort}`,
    timeoutMs: 30_000,
    pollMs: 200,
  });
  mkdirSync(join(root, 'prometheus'), { recursive: true });
  writeFileSync(join(root, 'prometheus', 'prometheus.yml'), prometheusConfigHere(mapping));
  promUrl = `http://127.0.0.1:${promPort}`;
  prometheus = await spawnUntilReady({
    binary: TELEMETRY_BINARIES.prometheus,
    args: [
      `--config.file=${join(root, 'prometheus', 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(root, 'prometheus', 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    ready: () =>
      fetch(`${promUrl}/-/ready`).then(
        (r) => r.ok,
        () => false,
      ),
    what: 'Prometheus',
    where: promUrl,
    timeoutMs: 30_000,
    pollMs: 200,
  });
  for (const name of ['worker', 'api']) prepareMounts(model, name, mapping);
  const w = serviceRun(model, 'worker', mapping);
  const a = serviceRun(model, 'api', mapping);
  workerEnv = w.env;
  apiEnv = a.env;
  worker = startService(w);
  api = startService(a);
  await waitFor200(`http://127.0.0.1:${workerPort}/metrics`, worker);
  await waitFor200(`http://127.0.0.1:${apiPort}/health`, api);
  client = apiClient(`http://127.0.0.1:${apiPort}`, vars.AIFB_API_TOKEN as string);
}, 240_000);

afterAll(async () => {
  await Promise.all([worker?.stop(), api?.stop()]);
  await Promise.all([pushgateway?.stop(), prometheus?.stop(), logs?.stop(), dev?.teardown()]);
});

describe('the compose file’s worker and API, as it starts them', () => {
  it('run the commands the file and the Dockerfile give', () => {
    const entry = join(repoRoot, 'bin', 'aifb.mjs');
    expect(serviceRun(model, 'worker', mapping).argv).toEqual([process.execPath, entry, 'worker']);
    expect(serviceRun(model, 'api', mapping).argv).toEqual([process.execPath, entry, 'api']);
    // Only container facts were mapped: every other value is the file's own.
    expect(workerEnv.AIFB_PUSHGATEWAY_RETENTION).toBe('10m');
    expect(workerEnv.AIFB_SLURM_HOST).toBe('login.lxp.lu');
    expect(apiEnv.AIFB_API_TOKEN).toBe(vars.AIFB_API_TOKEN);
  });

  it('the image’s health check passes for both, and fails for a service that is not there', async () => {
    const check = (role: string, env: Record<string, string>) =>
      run(process.execPath, [join(repoRoot, 'deploy/docker/healthcheck.mjs'), role], { env }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
    expect((await check('worker', workerEnv)).code).toBe(0);
    expect((await check('api', apiEnv)).code).toBe(0);
    const gone = await check('api', { ...apiEnv, AIFB_API_PORT: String(await freePort()) });
    expect(gone.code).toBe(1);
    expect(gone.out).toMatch(/did not answer/);
  });

  it('the site’s Slurm settings from .env reach the code: `target: { executor: slurm }` validates', async () => {
    const res = await client.call('POST', '/recipes/validate', {
      ...simulatorRecipe({ name: 'site' }),
      target: { executor: 'slurm' },
    });
    const body = (await res.json()) as {
      valid: boolean;
      recipe: { target: { slurm: Record<string, unknown> } };
    };
    expect(body.valid).toBe(true);
    expect(body.recipe.target.slurm).toMatchObject({
      host: vars.AIFB_SLURM_HOST,
      port: Number(vars.AIFB_SLURM_PORT),
      user: vars.AIFB_SLURM_USER,
      identityFile: apiEnv.AIFB_SLURM_IDENTITY_FILE, // the mount's path here
      workdir: vars.AIFB_SLURM_WORKDIR,
    });
  });

  it('a benchmark runs through them; Prometheus, Pushgateway and the log store get what the file’s URLs say', async () => {
    const { benchmarkId, status, failure } = await client.runToEnd(simulatorRecipe({ name: 'compose' }));
    expect(status, `${JSON.stringify(failure)}\n${worker.output()}`).toBe('completed');
    const results = (await (await client.call('GET', `/benchmarks/${benchmarkId}/results`)).json()) as {
      status: string;
      stages: { requests: { ok: number } }[];
    };
    expect(results.status).toBe('completed');
    expect(results.stages[0]?.requests.ok).toBeGreaterThan(0);
    // The summary's server part came from Prometheus (AIFB_PROMETHEUS_URL).
    expect(JSON.stringify(results)).toMatch(/"source":"prometheus"/);
    // Pushed series arrived through Pushgateway into Prometheus (honor_labels kept `benchmark`).
    // Scraped every 2 s (with a 2-s timeout): on a busy machine a scrape may fail, the next one
    // brings it.
    const series = await eventually(
      new PrometheusApi(promUrl),
      `aifb_stage_requests_ok{benchmark="${benchmarkId}"}`,
      (r) => r.length > 0,
      30_000,
    );
    expect(series.length).toBeGreaterThan(0);
    // Prometheus scrapes the worker and the API at the file's ports.
    for (const job of ['aifb-worker', 'aifb-api', 'pushgateway']) {
      const up = await promQuery(`up{job="${job}"}`);
      expect(
        up.map((s) => s.value[1]),
        job,
      ).toEqual(['1']);
    }
    // Job logs reached the log store (LOKI_URL).
    const rows = await eventuallyRows(logs, `{benchmark="${benchmarkId}"}`, (r) => r.length > 0);
    expect(rows.length).toBeGreaterThan(0);
  });
});
