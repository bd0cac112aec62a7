// `runtime: sea`: loadgen and the simulator as single executables, proven to need no node. node
// is in /usr/bin on this machine, so a PATH without it cannot be had honestly; instead every
// PATH here starts with a `node` that fails loudly and leaves a mark, and the runs must succeed
// without any mark.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import { loadgenConfig } from '../../core/loadgen-config';
import type { ClientResult } from '../../core/loadgen-protocol';
import { repoRoot } from '../../core/node/config';
import { parseRecipe } from '../../core/recipe';
import type { BenchmarkSummary } from '../../core/summary';
import { type DevEnv, inProcessWorker, startDevEnv, testConfig } from '../integration/harness';
import { cluster, queuedNames, slurmRecipe } from './cluster';

const MARK = 'node-was-called';

/** A folder holding only a `node` that complains, marks the job folder (or cwd) and exits 97. */
function nodeShim(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aifb-no-node-'));
  chmodSync(dir, 0o755);
  const shim = join(dir, 'node');
  writeFileSync(
    shim,
    `#!/bin/sh\necho "aifb test: node was called: $*" >&2\ntouch "\${AIFB_JOB_DIR:-.}/${MARK}"\nexit 97\n`,
  );
  chmodSync(shim, 0o755);
  return dir;
}
const PATH = `${nodeShim()}:/usr/local/bin:/usr/bin:/bin`;

describe('single executables, directly', () => {
  it('the SEA loadgen runs a stage against the SEA simulator with only a failing node on PATH', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aifb-sea-'));
    const env = { PATH, HOME: dir };
    const endpointFile = join(dir, 'endpoint');
    const simulator = spawn(
      join(repoRoot, 'dist', 'aifb-simulator'),
      [
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--ttft-ms',
        '20',
        '--itl-ms',
        '2',
        '--output-tokens',
        '8',
        '--endpoint-file',
        endpointFile,
      ],
      { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      for (let i = 0; i < 100 && !existsSync(endpointFile); i++) await sleep(100);
      const address = readFileSync(endpointFile, 'utf8').trim();
      const parsed = parseRecipe({
        name: 'sea',
        service: { kind: 'simulator' },
        workload: {
          kind: 'openai-chat',
          dataset: { synthetic: { inputTokens: 16, outputTokens: 8 } },
          stages: [{ mode: 'concurrency', concurrency: 2, duration: '2s' }],
        },
      });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      const config = loadgenConfig('bench-sea-1', parsed.recipe, 0, `http://${address}`);
      writeFileSync(join(dir, 'loadgen-config.json'), JSON.stringify(config));
      const run = spawnSync(
        join(repoRoot, 'dist', 'aifb-loadgen'),
        ['--config', join(dir, 'loadgen-config.json'), '--index', '0', '--out', dir],
        { cwd: dir, env, encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.stderr).not.toContain('node was called');
      expect(run.status).toBe(0);
      const result = JSON.parse(readFileSync(join(dir, 'result-0-0.json'), 'utf8')) as ClientResult;
      expect(result.measured.ok).toBeGreaterThan(20);
      expect(result.measured.failed).toBe(0);
      expect(existsSync(join(dir, MARK))).toBe(false);
    } finally {
      simulator.kill('SIGTERM');
    }
  });
});

let dev: DevEnv;
let counter = 0;
const newId = (name: string) => `bench-${name}-${process.pid}-${++counter}`;

describe('runtimes of Slurm jobs', () => {
  beforeAll(async () => {
    dev = await startDevEnv();
  });
  afterAll(async () => {
    await dev?.teardown();
  });

  /** Runs a simulator benchmark on the cluster with the jobs' PATH starting with the failing node. */
  async function benchmark(name: string, slurm: Record<string, unknown>) {
    const config = { ...testConfig(), slurmJobEnv: { PATH } };
    const worker = await inProcessWorker(dev, config);
    const id = newId(name);
    const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [slurmRecipe(name, { slurm })],
    });
    const summary = (await worker.runUntil(handle.result())) as BenchmarkSummary;
    const jobs = join(cluster().workdir, id);
    return { id, summary, jobs, files: (job: string) => readdirSync(join(jobs, `${id}-${job}`)) };
  }

  it('sea (the default): the executables run the benchmark; no job looks for node', async () => {
    const { id, summary, jobs, files } = await benchmark('slurm-sea', {});
    expect(summary.status).toBe('completed');
    expect(summary.stages[0]!.clientsReported).toBe(3);
    expect(summary.stages[0]!.requests.failed).toBe(0);
    for (const job of ['service', 'clients']) {
      expect(files(job)).not.toContain(MARK);
      // What ran: the job script as submitted names no node at all.
      expect(readFileSync(join(jobs, `${id}-${job}`, 'job.sh'), 'utf8')).not.toMatch(
        /\bnode\b|AIFB_NODE|\.mjs/,
      );
    }
    expect(files('service')).toContain('aifb-simulator');
    expect(files('clients')).toEqual(expect.arrayContaining(['aifb-loadgen', 'result-0-2.json']));
    expect(files('clients')).not.toContain('loadgen.mjs');
    // Sent once into the cluster's upload cache and hard-linked into the job folder.
    expect(statSync(join(jobs, `${id}-clients`, 'aifb-loadgen')).nlink).toBeGreaterThanOrEqual(2);
    expect(queuedNames(id)).toEqual([]);
  });

  it('node: the bundles run with the node the recipe names (the failing one on PATH is never asked)', async () => {
    const { id, summary, files } = await benchmark('slurm-node', { runtime: 'node', node: process.execPath });
    expect(summary.status).toBe('completed');
    expect(summary.stages[0]!.clientsReported).toBe(3);
    expect(files('service')).toContain('simulator.mjs');
    expect(files('clients')).toContain('loadgen.mjs');
    expect(files('clients')).not.toContain(MARK);
    expect(queuedNames(id)).toEqual([]);
  });
});
