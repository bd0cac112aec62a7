/**
 * Deployments through the HTTP API and the CLI (both ways it connects), against a dev server
 * and worker: start, conflict, bad input by path, status, list, a benchmark naming one, down.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { BenchmarkView, DeploymentView, StartResult } from '../../control/types';
import { jobProcessesUnder, runAifb, simulatorRecipe } from '../integration/harness';
import { type ApiStack, startApiStack, TOKEN } from './harness';

let stack: ApiStack;
beforeAll(async () => {
  stack = await startApiStack();
});
afterAll(async () => {
  // Whatever a failed test left serving goes down before the stack stops.
  for (const d of (await stack?.control.listDeployments().catch(() => [])) ?? []) {
    if (d.status === 'running') await stack.control.deployDown(d.name).catch(() => undefined);
  }
  await sleep(2000);
  await stack?.stop();
});

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

function deploymentRecipe(name: string) {
  return { name, service: simulatorRecipe().service, deployment: { ttl: '1h', checkInterval: '2s' } };
}

async function waitForDeployment(
  name: string,
  until: (v: DeploymentView) => boolean,
): Promise<DeploymentView> {
  const deadline = Date.now() + 60_000;
  let last: DeploymentView | undefined;
  while (Date.now() < deadline) {
    last = await json<DeploymentView>(await stack.call('GET', `/deployments/${name}`), 200);
    if (until(last)) return last;
    await sleep(300);
  }
  throw new Error(`deployment ${name} never got there (last ${last?.status}/${last?.phase})`);
}

function aifb(mode: 'api' | 'temporal', args: string[]) {
  const env: Record<string, string | undefined> = { ...process.env, AIFB_LOG_LEVEL: 'ERROR' };
  for (const key of ['AIFB_API_URL', 'AIFB_API_TOKEN', 'TEMPORAL_ADDRESS']) delete env[key];
  Object.assign(
    env,
    mode === 'api'
      ? { AIFB_API_URL: stack.url, AIFB_API_TOKEN: TOKEN }
      : {
          TEMPORAL_ADDRESS: stack.dev.address,
          AIFB_DATA_DIR: stack.config.dataDir,
          AIFB_TASK_QUEUE: stack.config.taskQueue,
        },
  );
  return runAifb(args, env);
}

function recipeFile(name: string, recipe: unknown): string {
  const file = join(stack.config.dataDir, `${name}.yaml`);
  writeFileSync(file, stringify(recipe));
  return file;
}

describe('/deployments', () => {
  it('refuses a bad recipe with 400 and its field paths, and writes without a token with 401', async () => {
    expect((await stack.call('POST', '/deployments', { body: deploymentRecipe('x') })).status).toBe(401);
    expect((await stack.call('DELETE', '/deployments/x')).status).toBe(401);
    const bad = await json<{ error: string; issues: { path: string }[] }>(
      await stack.call('POST', '/deployments', {
        auth: true,
        text: {
          type: 'application/yaml',
          body: 'name: x\nservice: { kind: simulator }\ndeployment: { ttl: 10s }\nworkload: {}\n',
        },
      }),
      400,
    );
    expect(bad.error).toBe('invalid-input');
    expect(bad.issues.map((i) => i.path).sort()).toEqual(['', 'deployment.ttl']);
    expect((await stack.call('GET', '/deployments/Not_A_Name')).status).toBe(400);
    expect(await json<{ error: string }>(await stack.call('GET', '/deployments/nobody'), 404)).toMatchObject({
      error: 'not-found',
    });
  });

  it('starts one (201), refuses a second by that name (409), serves a benchmark, lists it, goes down (202)', async () => {
    const name = 'api-dep';
    const created = await stack.call('POST', '/deployments', { auth: true, body: deploymentRecipe(name) });
    expect(created.headers.get('location')).toBe(`/deployments/${name}`);
    expect(await json<DeploymentView>(created, 201)).toMatchObject({ name, workflowId: `deploy-${name}` });
    const again = await json<{ error: string; message: string }>(
      await stack.call('POST', '/deployments', { auth: true, body: deploymentRecipe(name) }),
      409,
    );
    expect(again).toMatchObject({ error: 'conflict' });
    expect(again.message).toMatch(/already running/);

    const serving = await waitForDeployment(name, (v) => v.phase === 'serving');
    expect(serving.endpoint).toMatch(/:\d+$/);
    expect(Date.parse(serving.expiresAt!) - Date.parse(serving.startedAt)).toBe(3_600_000);

    // A benchmark naming it, started through the API like any other.
    const bench = await json<StartResult>(
      await stack.call('POST', '/benchmarks', {
        auth: true,
        body: simulatorRecipe({ name: 'on-api-dep', service: { deployment: name } }),
      }),
      201,
    );
    const deadline = Date.now() + 120_000;
    let view: BenchmarkView | undefined;
    while (Date.now() < deadline) {
      view = await json<BenchmarkView>(await stack.call('GET', `/benchmarks/${bench.benchmarkId}`), 200);
      if (view.status !== 'running') break;
      await sleep(500);
    }
    expect(view?.status, view?.failure ?? '').toBe('completed');
    expect(view?.serviceKind).toBe('deployment');

    const listed = await json<DeploymentView[]>(await stack.call('GET', '/deployments'), 200);
    expect(listed.find((d) => d.name === name)).toMatchObject({
      phase: 'serving',
      endpoint: serving.endpoint,
      benchmarks: [bench.benchmarkId],
    });

    // The CLI shows the same table either way.
    const [viaApi, viaTemporal] = await Promise.all([
      aifb('api', ['deploy', 'list']),
      aifb('temporal', ['deploy', 'list']),
    ]);
    expect(viaApi.code, viaApi.stderr).toBe(0);
    expect(viaApi.stdout).toBe(viaTemporal.stdout);
    expect(viaApi.stdout).toContain(serving.endpoint!);
    expect(viaApi.stdout).toContain(bench.benchmarkId);

    const down = await json<DeploymentView>(
      await stack.call('DELETE', `/deployments/${name}?reason=api%20test`, { auth: true }),
      202,
    );
    expect(down.name).toBe(name);
    const ended = await waitForDeployment(name, (v) => v.status !== 'running');
    expect(ended).toMatchObject({
      status: 'completed',
      phase: 'down',
      downReason: 'down requested: api test',
    });
    expect(
      await json<{ error: string }>(await stack.call('DELETE', `/deployments/${name}`, { auth: true }), 409),
    ).toMatchObject({
      error: 'conflict',
    });
  });
});

describe('aifb deploy', () => {
  it('exits 2 with field paths on a bad recipe, either way', async () => {
    const file = recipeFile('bad-deploy', {
      name: 'b',
      service: { kind: 'nope' },
      deployment: { ttl: 'soon' },
    });
    for (const mode of ['api', 'temporal'] as const) {
      const run = await aifb(mode, ['deploy', 'up', file]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('service.kind: kind must be one of');
      expect(run.stderr).toContain('deployment.ttl: not a duration');
    }
  });

  it.each(['api', 'temporal'] as const)(
    'up --wait prints the endpoint; a second up conflicts; down waits (%s)',
    async (mode) => {
      const name = `cli-${mode}`;
      const file = recipeFile(name, deploymentRecipe(name));
      const up = await aifb(mode, ['deploy', 'up', file, '--wait']);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stdout).toMatch(new RegExp(`^deployment ${name} serving at \\S+:\\d+, expires `));
      const again = await aifb(mode, ['deploy', 'up', file]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already running \(serving at/);
      const down = await aifb(mode, ['deploy', 'down', name, '--reason', 'cli test']);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout.trim()).toBe(`deployment ${name} down (down requested: cli test)`);
      const downAgain = await aifb(mode, ['deploy', 'down', name]);
      expect(downAgain.code).toBe(1);
      expect(downAgain.stderr).toMatch(/already down/);
      expect((await aifb(mode, ['deploy', 'status', 'nobody'])).code).toBe(2);
    },
  );

  it('leaves no job process behind', () => {
    expect(jobProcessesUnder(stack.config.dataDir)).toEqual([]);
  });
});
