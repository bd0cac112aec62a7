/**
 * What the service job and the client jobs ask sbatch for, through the real activities and the
 * real Slurm executor (its SSH played by a recorder): clients get target.slurm.clients and
 * workload.clients.resources, never the service's GPUs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { AifbConfig } from '../core/node/config';
import { parseRecipe, type Recipe } from '../core/recipe';
import { SlurmExecutor } from '../executors/slurm';
import type { SshConnection } from '../executors/ssh';
import { clientActivities } from './clients';
import type { ActivityContext } from './context';
import { serviceActivities } from './service';

/** The login node: nothing submitted yet, every command succeeds, sbatch prints job 42. */
function recordingSsh(commands: string[]): SshConnection {
  const fake = {
    async exec(command: string) {
      commands.push(command);
      if (command.startsWith('sacct')) return { code: 1, stdout: '', stderr: 'accounting off' };
      return { code: 0, stdout: command.startsWith('sbatch') ? '42\n' : '', stderr: '' };
    },
    async read() {
      return Buffer.alloc(0);
    },
    async writeFile() {},
    async size() {
      return 0;
    },
  };
  return fake as unknown as SshConnection;
}

function context(recipe: Recipe, commands: string[]): ActivityContext {
  if (recipe.target.executor !== 'slurm') throw new Error('slurm recipe expected');
  const s = recipe.target.slurm;
  const distDir = mkdtempSync(join(tmpdir(), 'aifb-placement-'));
  for (const program of ['aifb-loadgen', 'aifb-simulator']) writeFileSync(join(distDir, program), 'x');
  // What activities/context.ts gives a Slurm target: the service's placement as the default.
  const executor = new SlurmExecutor(recordingSsh(commands), {
    workdir: s.workdir,
    modules: [],
    maxPendingMs: s.maxPending,
    ...(s.account ? { account: s.account } : {}),
    ...(s.partition ? { partition: s.partition } : {}),
    ...(s.qos ? { qos: s.qos } : {}),
  });
  return {
    config: { dataDir: distDir, distDir, taskQueue: 'q' } as AifbConfig,
    executorFor: () => executor,
    knownExecutors: () => [executor],
    close: async () => {},
  };
}

function slurmRecipe(slurm: Record<string, unknown>, clients: Record<string, unknown>): Recipe {
  const result = parseRecipe({
    name: 'placement',
    target: {
      executor: 'slurm',
      slurm: { host: 'h', user: 'u', identityFile: '~/.ssh/id', workdir: '/w', ...slurm },
    },
    service: {
      kind: 'simulator',
      resources: { nodes: 1, gpus: 4, cpusPerTask: 32, memory: '256G', time: '01:00:00' },
    },
    workload: {
      kind: 'openai-chat',
      clients,
      stages: [{ mode: 'concurrency', concurrency: 4, duration: '10s' }],
    },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.recipe;
}

/** The scheduling flags of the one sbatch command, as bash would pass them. */
function sbatchFlagsOf(commands: string[]): string[] {
  const sbatch = commands.filter((c) => c.startsWith('sbatch'));
  expect(sbatch).toHaveLength(1);
  const out = spawnSync('bash', ['-c', `printf '%s\\0' ${sbatch[0]!.replace(/^sbatch /, '')}`], {
    encoding: 'utf8',
  });
  return out.stdout
    .split('\0')
    .filter((w) => /^--(account|partition|qos|nodes|gpus|cpus-per-task|mem|time|array)=/.test(w));
}

async function submitBoth(recipe: Recipe): Promise<{ service: string[]; clients: string[] }> {
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('WARN') });
  const service: string[] = [];
  const submitService = serviceActivities(context(recipe, service)).submitService;
  const spec = recipe.service;
  if (spec.kind === 'deployment') throw new Error('a launched service expected');
  await env.run(submitService, { ownerId: 'bench-p', target: recipe.target, service: spec });
  const clients: string[] = [];
  const startClients = clientActivities(context(recipe, clients)).startClients;
  await env.run(startClients, {
    benchmarkId: 'bench-p',
    recipe,
    stageIndex: 0,
    serviceUrl: 'http://n1:8000',
  });
  return { service: sbatchFlagsOf(service), clients: sbatchFlagsOf(clients) };
}

describe('sbatch flags of the service and client jobs', () => {
  it('puts the clients on their own partition, account and qos with their own resources, no GPUs', async () => {
    const recipe = slurmRecipe(
      { account: 'p1', partition: 'gpu', qos: 'default', clients: { partition: 'cpu', qos: 'short' } },
      { count: 4, resources: { nodes: 2, cpusPerTask: 4, memory: '8G', time: '00:30:00' } },
    );
    const { service, clients } = await submitBoth(recipe);
    expect(service).toEqual([
      '--account=p1',
      '--partition=gpu',
      '--qos=default',
      '--nodes=1',
      '--gpus=4',
      '--cpus-per-task=32',
      '--mem=256G',
      '--time=01:00:00',
    ]);
    expect(clients).toEqual([
      '--array=0-3',
      '--account=p1',
      '--partition=cpu',
      '--qos=short',
      '--nodes=2',
      '--cpus-per-task=4',
      '--mem=8G',
      '--time=00:30:00',
    ]);
  });

  it('without target.slurm.clients the clients queue where the service does, still without its GPUs', async () => {
    const recipe = slurmRecipe({ account: 'p1', partition: 'gpu' }, { count: 2 });
    const { service, clients } = await submitBoth(recipe);
    expect(service).toContain('--gpus=4');
    expect(clients).toEqual(['--array=0-1', '--account=p1', '--partition=gpu']);
  });

  it('asks GPUs for the clients only when workload.clients.resources says so', async () => {
    const recipe = slurmRecipe(
      { partition: 'gpu', clients: { partition: 'cpu' } },
      { count: 1, resources: { gpus: 1 } },
    );
    const { clients } = await submitBoth(recipe);
    expect(clients).toEqual(['--partition=cpu', '--nodes=1', '--gpus=1']);
  });
});
