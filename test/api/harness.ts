/**
 * The API tier's stack: the dev server of the integration harness (with aifb's search
 * attributes), one in-process worker, and the real HTTP API on a port of its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '../../api/app';
import { temporalHealth } from '../../control/connect';
import { runningBenchmarks, TemporalControl } from '../../control/temporal-control';
import type { AifbConfig } from '../../core/node/config';
import { repoRoot } from '../../core/node/config';
import type { BenchmarkWorker as Worker } from '../../workers/worker';
import { type DevEnv, freePort, inProcessWorker, startDevEnv, testConfig } from '../integration/harness';

export const TOKEN = 'api-tier-token-0123456789';

export interface ApiStack {
  dev: DevEnv;
  config: AifbConfig;
  control: TemporalControl;
  url: string;
  uiUrl: string | null;
  worker: Worker;
  /** fetch against the API; `auth: true` adds the bearer token. */
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  stop(): Promise<void>;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is (e.g. YAML) with this content type. */
  text?: { body: string; type: string };
  auth?: boolean;
  headers?: Record<string, string>;
}

export async function startApiStack(options: { ui?: boolean } = {}): Promise<ApiStack> {
  const uiPort = options.ui ? await freePort() : undefined;
  const dev = await startDevEnv(uiPort ? { uiPort } : {});
  const config = testConfig();
  const worker = await inProcessWorker(dev, config);
  const running = worker.run();
  const control = new TemporalControl(dev.env.client, config);
  const app = await buildApp({
    control,
    token: TOKEN,
    corsOrigins: ['http://grafana.test:3000'],
    health: () => temporalHealth(control, dev.address),
    examplesDir: `${repoRoot}/examples`,
    runningBenchmarks: () => runningBenchmarks(control),
  });
  const port = await freePort();
  await app.listen({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${port}`;
  return {
    dev,
    config,
    control,
    url,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : null,
    worker,
    call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.auth) headers.authorization = `Bearer ${TOKEN}`;
      let body: string | undefined;
      if (o.text) {
        headers['content-type'] = o.text.type;
        body = o.text.body;
      } else if (o.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(o.body);
      }
      return fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    },
    async stop() {
      // Cancel what a test left running and let teardown finish: no job may outlive the tier.
      const deadline = Date.now() + 90_000;
      for (;;) {
        const { items } = await control.list({ status: 'running' });
        if (items.length === 0 || Date.now() > deadline) break;
        await Promise.all(items.map((i) => control.cancel(i.benchmarkId).catch(() => undefined)));
        await sleep(500);
      }
      await app.close();
      worker.shutdown();
      await running.catch(() => undefined);
      await dev.teardown();
    },
  };
}
