/**
 * A benchmark against the simulator with real Prometheus and Pushgateway, and VictoriaLogs as
 * the log store (Loki's push API; see victorialogs.ts): what Prometheus holds for the run
 * afterwards, the summary's server/system parts, the raw scrape copy, every log line once in the
 * log store (shipped by the worker's relay, or by the jobs' own shippers with the relay as the
 * fallback), the retention janitor, and a worker killed mid-stage (no counter reset, no lost or
 * doubled snapshot, log copies identical to the jobs' own files).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleControl } from '../../control/schedules';
import { benchmarkIdOf } from '../../core/benchmark-id';
import { WORKFLOW_TYPE } from '../../core/contract';
import { componentName } from '../../core/jobs';
import { type AifbConfig, paths, resultFiles } from '../../core/node/config';
import type { BenchmarkSummary } from '../../core/summary';
import { sweepPushgateway } from '../../telemetry/janitor';
import { Pushgateway } from '../../telemetry/pushgateway';
import {
  type DevEnv,
  freePort,
  inProcessWorker,
  simulatorRecipe,
  startDevEnv,
  testConfig,
  waitForPhase,
  workerProcess,
} from '../integration/harness';
import { eventually, type PromStack, startPromStack } from './prom-stack';
import { expectEveryLineOnce, shipperStates, startVictoriaLogs, type VictoriaLogs } from './victorialogs';

let prom: PromStack;
let logs: VictoriaLogs;
let dev: DevEnv;

beforeAll(async () => {
  prom = await startPromStack();
  logs = await startVictoriaLogs();
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
  await logs?.stop();
  await prom?.stop();
});

function telemetryConfig(): AifbConfig {
  return {
    ...testConfig(),
    telemetry: {
      pushgatewayUrl: prom.pushgatewayUrl,
      prometheusUrl: prom.prometheusUrl,
      lokiUrl: null,
      pushRetentionMs: null,
      pushIntervalMs: 1000,
    },
  };
}

const recipe = (name: string, duration: string) =>
  simulatorRecipe({
    name,
    workload: {
      kind: 'openai-chat',
      dataset: { synthetic: { inputTokens: 32, outputTokens: 20 } },
      clients: { count: 2 },
      stages: [{ name: 'c4', mode: 'concurrency', concurrency: 4, duration, warmup: '1s', cooldown: '3s' }],
    },
  });

const sum = (rs: { value: number }[]) => rs.reduce((a, r) => a + r.value, 0);

describe('telemetry with real Prometheus and Pushgateway', () => {
  it('after a benchmark, Prometheus has its client quantiles, status and service metrics; the summary its server side; the log store its logs', async () => {
    const config = telemetryConfig();
    config.telemetry!.lokiUrl = logs.lokiUrl;
    const worker = await inProcessWorker(dev, config);
    const id = `bench-tele-${Date.now().toString(36)}`;
    const summary = (await worker.runUntil(
      dev.env.client.workflow.execute(WORKFLOW_TYPE, {
        taskQueue: config.taskQueue,
        workflowId: id,
        args: [
          {
            ...recipe('tele', '6s'),
            // One reference met (no failures) and one not (TTFT 50 ms against at most 10): verdict 0.
            references: {
              stages: { c4: { 'requests.failed': [0, null, 0], 'latencyMs.ttft.p50': [10, null, 0, 'ms'] } },
            },
          },
        ],
      }),
    )) as BenchmarkSummary;
    const stage = summary.stages[0]!;
    const sel = `{benchmark="${id}"}`;

    await eventually(prom.api, `aifb_benchmark_phase_code${sel}`, (r) => r[0]?.value === 6);
    const ttft = await eventually(
      prom.api,
      `max_over_time(aifb_client_ttft_seconds{benchmark="${id}",quantile="0.99"}[10m])`,
      (r) => r.length === 2,
    );
    for (const r of ttft) expect(r.value).toBeGreaterThan(0.04); // simulator TTFT is 50 ms
    // ITL is the simulator's 5 ms a token; the loadgen's own CPU use comes along.
    const itl = await prom.api.query(
      `max_over_time(aifb_client_itl_seconds{benchmark="${id}",quantile="0.5"}[10m])`,
    );
    expect(itl.length).toBe(2);
    for (const r of itl) expect(r.value).toBeGreaterThan(0.004);
    expect((await prom.api.query(`aifb_client_cpu_cores{benchmark="${id}"}`)).length).toBe(2);
    await eventually(
      prom.api,
      `max_over_time(vllm:num_requests_running${sel}[10m])`,
      (r) => (r[0]?.value ?? 0) > 0,
    );
    const ok = await eventually(prom.api, `aifb_stage_requests_ok${sel}`, (r) => r.length === 1);
    expect(ok[0]!.value).toBe(stage.requests.ok);
    // At the run's end: the verdict and each check beside the aifb_stage_* results, and the run's info.
    expect(summary.verdict).toMatchObject({ outcome: 'fail', checked: 2, failed: 1 });
    await eventually(prom.api, `aifb_benchmark_verdict${sel}`, (r) => r[0]?.value === 0);
    const checks = await prom.api.query(`aifb_stage_reference_pass${sel}`);
    expect(
      checks.map((c) => [c.metric.stage_name, c.metric.figure, c.metric.source, c.value]).sort(),
    ).toEqual([
      ['c4', 'latencyMs.ttft.p50', 'recipe', 0],
      ['c4', 'requests.failed', 'recipe', 1],
    ]);
    const bound = await prom.api.query(
      `aifb_stage_reference_upper_bound{benchmark="${id}",figure="latencyMs.ttft.p50"}`,
    );
    expect(bound[0]?.value).toBe(10);
    const info = await prom.api.query(`aifb_benchmark_info${sel}`);
    expect(info[0]?.metric).toMatchObject({
      recipe_hash: summary.environment!.recipeHash,
      aifb_version: summary.environment!.aifb.version,
      service_kind: 'simulator',
      gpus: expect.stringMatching(/^none \(nvidia-smi not found/),
    });
    const phases = await prom.api.query(`aifb_benchmark_phase_entered_timestamp_seconds${sel}`);
    expect(phases.map((p) => p.metric.phase).sort()).toEqual(
      [
        'collecting',
        'deploying',
        'done',
        'loading',
        'tearing-down',
        'validating',
        'waiting-for-health',
      ].sort(),
    );

    const { server, system } = stage;
    if (!server || !('source' in server) || server.source !== 'prometheus')
      throw new Error(`server: ${JSON.stringify(server)}`);
    expect(server.runningRequests.mean).toBeGreaterThan(0);
    expect(server.runningRequests.max).toBeLessThanOrEqual(4);
    expect(server.kvCacheUsage.max).not.toBeNull();
    if (!system || !('process' in system)) throw new Error(`system: ${JSON.stringify(system)}`);
    expect(system.process.samples).toBeGreaterThan(3);
    expect(system.process.cpuCoresMean).toBeGreaterThan(0);
    expect(system.process.rssMaxBytes).toBeGreaterThan(10 * 2 ** 20);
    expect('absent' in system.gpu && system.gpu.absent).toMatch(/nvidia-smi not found/);
    expect(system.energyJ).toBeNull();

    const scrapes = readFileSync(join(paths.results(config, id), resultFiles.serviceScrapes), 'utf8')
      .trim()
      .split('\n');
    expect(scrapes.length).toBeGreaterThan(3);
    expect(JSON.parse(scrapes[0]!).samples.some((x: unknown[]) => x[0] === 'vllm:num_requests_running')).toBe(
      true,
    );

    // The worker's relay pushed every line of every log copy, once, queried back with LogsQL.
    expect(await expectEveryLineOnce(logs, config, id)).toBeGreaterThan(3);

    // Retention: the finished benchmark's groups go; nothing of it is left in Pushgateway.
    const push = new Pushgateway(prom.pushgatewayUrl);
    expect((await push.groups()).filter((g) => g.labels.benchmark === id).length).toBeGreaterThan(3);
    expect(await sweepPushgateway(push, 0)).toBeGreaterThan(3);
    expect((await push.groups()).filter((g) => g.labels.benchmark === id)).toEqual([]);
  });

  it('a worker killed mid-stage: counters never reset, the final counts match, logs are exact copies', async () => {
    const config = telemetryConfig();
    const env = {
      AIFB_PUSHGATEWAY_URL: prom.pushgatewayUrl,
      AIFB_PROMETHEUS_URL: prom.prometheusUrl,
      AIFB_PUSHGATEWAY_RETENTION: 'keep',
      AIFB_PUSH_INTERVAL: '1s',
    };
    const id = `bench-kill-${Date.now().toString(36)}`;
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [recipe('kill', '15s')],
    });
    const first = workerProcess(dev, config, env);
    await waitForPhase(handle, 'loading', 120_000);
    await sleep(3000);
    first.kill('SIGKILL');
    await sleep(3000);
    const second = workerProcess(dev, config, env);
    try {
      const summary = (await handle.result()) as BenchmarkSummary;
      const stage = summary.stages[0]!;
      const sel = `{benchmark="${id}"}`;
      const sent = await eventually(
        prom.api,
        `max_over_time(aifb_client_requests_sent_total${sel}[10m])`,
        (r) => r.length === 2 && sum(r) === stage.requests.sentTotal,
      );
      expect(sum(sent)).toBe(stage.requests.sentTotal);
      const resets = await prom.api.query(`resets(aifb_client_requests_sent_total${sel}[10m])`);
      expect(resets.length).toBe(2);
      expect(sum(resets)).toBe(0);

      // Every job's stdout/stderr, copied by two relays in turn, byte for byte.
      const jobsDir = join(config.dataDir, 'jobs', id);
      const logsDir = join(config.dataDir, 'logs', id);
      let compared = 0;
      for (const jobName of readdirSync(jobsDir)) {
        const files = readdirSync(join(jobsDir, jobName)).filter((f) => /^std(out|err)-\d+\.log$/.test(f));
        const tasks = new Set(files.map((f) => Number(/-(\d+)\.log$/.exec(f)![1]))).size;
        for (const file of files) {
          const [, stream, task] = /^std(out|err)-(\d+)\.log$/.exec(file)!;
          const component = componentName(id, jobName, Number(task), tasks);
          const copy = join(logsDir, `${component}${stream === 'out' ? '.log' : '.err.log'}`);
          const original = readFileSync(join(jobsDir, jobName, file), 'utf8');
          expect(existsSync(copy) ? readFileSync(copy, 'utf8') : '').toBe(original);
          compared++;
        }
      }
      expect(compared).toBeGreaterThanOrEqual(6); // service + 2 clients, stdout and stderr each
    } finally {
      second.kill('SIGTERM');
    }
  });
  it('a schedule-started run (workflow id ≠ benchmark id) pushes its status series', async () => {
    const config = telemetryConfig();
    const worker = await inProcessWorker(dev, config);
    const schedules = new ScheduleControl(dev.env.client, config.taskQueue);
    const name = `sched-${Date.now().toString(36)}`;
    const { scheduleId } = await schedules.create({ recipe: recipe(name, '2s'), every: '24h', paused: true });
    try {
      await schedules.trigger(scheduleId);
      await worker.runUntil(async () => {
        // The run the schedule started, found by its recipe like any other.
        let workflowId: string | undefined;
        for (let i = 0; i < 100 && !workflowId; i++) {
          for await (const w of dev.env.client.workflow.list({ query: `AifbRecipe = '${name}'` }))
            workflowId = w.workflowId;
          if (!workflowId) await sleep(200);
        }
        if (!workflowId) throw new Error('the triggered run did not appear');
        const benchmarkId = benchmarkIdOf(workflowId);
        expect(benchmarkId).not.toBe(workflowId); // the start time's colons became dashes
        await dev.env.client.workflow.getHandle(workflowId).result();
        // The relay asked the run's own workflow for its status: the series carry the benchmark id.
        await eventually(
          prom.api,
          `aifb_benchmark_phase_code{benchmark="${benchmarkId}"}`,
          (r) => r[0]?.value === 6,
        );
      });
    } finally {
      await schedules.delete(scheduleId);
    }
  });

  it('with telemetry.directPushUrl the clients push for themselves (the worker has no Pushgateway)', async () => {
    const config = { ...testConfig() }; // no telemetry: the relay pushes nothing
    const worker = await inProcessWorker(dev, config);
    const id = `bench-direct-${Date.now().toString(36)}`;
    const summary = (await worker.runUntil(
      dev.env.client.workflow.execute(WORKFLOW_TYPE, {
        taskQueue: config.taskQueue,
        workflowId: id,
        args: [{ ...recipe('direct', '3s'), telemetry: { directPushUrl: prom.pushgatewayUrl } }],
      }),
    )) as BenchmarkSummary;
    const sel = `{benchmark="${id}"}`;
    const sent = await eventually(
      prom.api,
      `aifb_client_requests_sent_total${sel}`,
      (r) => sum(r) === summary.stages[0]!.requests.sentTotal,
    );
    expect(sent.map((r) => r.metric.component).sort()).toEqual(['s0-clients-0', 's0-clients-1']);
    expect(sent.every((r) => r.metric.stage === '0' && r.metric.recipe === 'direct')).toBe(true);
    // Nothing came from the worker: no status group.
    expect(await prom.api.query(`aifb_benchmark_phase_code${sel}`)).toEqual([]);
  });
});

describe('in-job log shippers (recipe telemetry.directLokiUrl) with the relay as the fallback', () => {
  async function run(name: string, directLokiUrl: string): Promise<{ config: AifbConfig; id: string }> {
    const config = telemetryConfig();
    config.telemetry!.lokiUrl = logs.lokiUrl; // the relay's, for what the shippers leave
    const worker = await inProcessWorker(dev, config);
    const id = `bench-${name}-${Date.now().toString(36)}`;
    await worker.runUntil(
      dev.env.client.workflow.execute(WORKFLOW_TYPE, {
        taskQueue: config.taskQueue,
        workflowId: id,
        args: [{ ...recipe(name, '3s'), telemetry: { directLokiUrl } }],
      }),
    );
    return { config, id };
  }

  it('each job pushes its own lines; the relay ships none of them again; every line arrives once', async () => {
    const { config, id } = await run('ship', logs.lokiUrl);
    expect(await expectEveryLineOnce(logs, config, id)).toBeGreaterThan(3);
    const states = shipperStates(join(config.dataDir, 'jobs', id));
    expect(states.map((s) => s.job).sort()).toEqual([
      `${id}-clients`,
      `${id}-clients`,
      `${id}-clients`,
      `${id}-clients`,
      `${id}-service`,
      `${id}-service`,
    ]);
    // The shippers pushed everything (a last pass after their program exited): nothing was left to the relay.
    for (const { file, size, state } of states) {
      expect(state.state, file).toBe('stopped');
      expect(state.reason, file).toBeUndefined();
      expect(state.offsets[file] ?? 0, file).toBe(size);
    }
  });

  it('with Loki unreachable from the jobs, the shippers give up and the relay ships every line, once', async () => {
    const { config, id } = await run('noship', `http://127.0.0.1:${await freePort()}`);
    expect(await expectEveryLineOnce(logs, config, id)).toBeGreaterThan(3);
    const states = shipperStates(join(config.dataDir, 'jobs', id));
    expect(states.length).toBe(6);
    for (const { state } of states) {
      expect(state.state).toBe('stopped');
      expect(state.reason).toMatch(/push failed/);
    }
  });
});
