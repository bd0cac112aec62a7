/**
 * The chaos matrix: real dev server (SQLite), real worker processes, real jobs (local processes,
 * and the local Slurm cluster). Each case hits one phase with one fault — kill -9 of the worker
 * holding the phase's activity, cancel, terminate, the Temporal server killed and restarted,
 * the service or one client killed mid-load, sshd killed, the Slurm node set DOWN — and checks
 * that the run ends as it should (completed and valid, or failed/cancelled with the reason
 * named), that no job process or Slurm job of it is left, that finished stages kept their
 * numbers, and that no phase stalled longer than the bound after a worker died. A table of
 * every case is printed at the end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureMessage } from '../../control/failure';
import { ACTIVITY, type Phase, WORKFLOW_TYPE } from '../../core/contract';
import { jobNames } from '../../core/jobs';
import { type AifbConfig, paths, repoRoot, resultFiles } from '../../core/node/config';
import type { BenchmarkSummary } from '../../core/summary';
import { jobProcessesUnder, simulatorRecipe } from '../integration/harness';
import { cluster, queuedNames, slurmRecipe } from '../slurm/cluster';
import {
  type ChaosServer,
  chaosWorker,
  isPending,
  jobProcesses,
  liveStatus,
  pendingActivities,
  runningActivity,
  startChaosServer,
  stopProcess,
  until,
} from './harness';

/** A worker that dies must not stall any phase longer than this (heartbeat timeout 10 s + retry). */
const STALL_BOUND_MS = 20_000;

type Fault =
  | 'kill -9 worker'
  | 'cancel'
  | 'terminate'
  | 'kill -9 Temporal + restart'
  | 'kill -9 service'
  | 'kill -9 one client'
  | 'kill -9 sshd + restart'
  | 'Slurm node DOWN';
type Outcome = 'completed' | 'cancelled' | 'terminated' | 'failed';

/** Where in the run a fault hits: a phase, the activity running then, and what holds it there. */
interface Point {
  label: string;
  phase: Phase;
  stage?: number;
  activity: (typeof ACTIVITY)[keyof typeof ACTIVITY];
  delay?: string;
}

const POINTS: Record<string, Point> = {
  deploying: {
    label: 'deploying',
    phase: 'deploying',
    activity: ACTIVITY.submitService,
    delay: 'submitService:after:4s',
  },
  clients: {
    label: 'client submission',
    phase: 'loading',
    stage: 0,
    activity: ACTIVITY.startClients,
    delay: 'startClients:after:4s',
  },
  health: {
    label: 'waiting-for-health',
    phase: 'waiting-for-health',
    activity: ACTIVITY.waitForHealth,
    delay: 'waitForHealth:before:4s',
  },
  loading: { label: 'loading', phase: 'loading', stage: 1, activity: ACTIVITY.relayTelemetry },
  collecting: {
    label: 'collecting',
    phase: 'collecting',
    stage: 1,
    activity: ACTIVITY.collectMetrics,
    delay: 'collectMetrics:before:4s',
  },
  teardown: {
    label: 'tearing-down',
    phase: 'tearing-down',
    activity: ACTIVITY.teardown,
    delay: 'teardown:before:4s',
  },
};

interface Case {
  fault: Fault;
  point: Point;
  expect: Outcome;
  /** For failed runs: what the failure must name. */
  reason?: RegExp;
  slurm?: boolean;
}

interface Row {
  name: string;
  expected: string;
  outcome: string;
  reason: string;
  recoveryS: string;
  leftover: number;
  stagesKept: string;
  wallS: string;
}
const rows: Row[] = [];

const STAGES = [
  { name: 's0', mode: 'concurrency', concurrency: 2, duration: '2s', warmup: '500ms', cooldown: '500ms' },
  { name: 's1', mode: 'concurrency', concurrency: 2, duration: '4s', warmup: '500ms', cooldown: '500ms' },
];

function localRecipe(name: string) {
  const recipe = simulatorRecipe({ name }) as { workload: { stages: unknown } };
  recipe.workload.stages = STAGES;
  return recipe;
}

function clusterRecipe(name: string) {
  const recipe = slurmRecipe(name);
  recipe.workload.clients.count = 2;
  recipe.workload.stages = STAGES as unknown as typeof recipe.workload.stages;
  return recipe;
}

let server: ChaosServer;
let serverConfig: AifbConfig;
let counter = 0;

beforeAll(async () => {
  serverConfig = {
    dataDir: mkdtempSync(join(tmpdir(), 'aifb-chaos-server-')),
    distDir: join(repoRoot, 'dist'),
    taskQueue: 'x',
  };
  server = await startChaosServer(serverConfig);
});

afterAll(async () => {
  await server?.stop();
  const head: Row = {
    name: 'case',
    expected: 'expected',
    outcome: 'outcome',
    reason: 'reason named',
    recoveryS: 'recovery s',
    leftover: 0,
    stagesKept: 'stages kept',
    wallS: 'wall s',
  };
  const cells = (r: Row) => [
    r.name,
    r.expected,
    r.outcome,
    r.reason,
    r.recoveryS,
    String(r.leftover),
    r.stagesKept,
    r.wallS,
  ];
  const table = [cells({ ...head }), ...rows.map(cells)];
  table[0]![5] = 'jobs left';
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    [
      '',
      'chaos matrix',
      line(table[0]!),
      `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
      ...table.slice(1).map(line),
    ].join('\n'),
  );
});

/** Waits until the run sits at `point` with its activity started at least a second ago. */
async function reach(handle: WorkflowHandle, point: Point) {
  return until(`${handle.workflowId} to reach ${point.label}`, 120_000, async () => {
    const status = await liveStatus(handle);
    if (!status || status.phase !== point.phase) return null;
    if (point.stage !== undefined && status.stageIndex !== point.stage) return null;
    const running = await runningActivity(handle, point.activity);
    if (!running?.startedAtMs || Date.now() - running.startedAtMs < 1000) return null;
    if (point.activity === ACTIVITY.relayTelemetry) {
      // Mid-stage: the stage's clients have been sending for a while.
      if (status.stageEndsAtMs === null || status.stageEndsAtMs - Date.now() > 3500) return null;
    }
    return { status, running };
  });
}

/** The workflow's end as people see it, with its failure message. */
async function ending(handle: WorkflowHandle): Promise<{ outcome: Outcome; message: string }> {
  try {
    await handle.result();
    return { outcome: 'completed', message: '' };
  } catch (err) {
    const { status } = await handle.describe();
    const outcome =
      status.name === 'CANCELLED' ? 'cancelled' : status.name === 'TERMINATED' ? 'terminated' : 'failed';
    return { outcome, message: err instanceof WorkflowFailedError ? failureMessage(err) : String(err) };
  }
}

async function runCase(c: Case, name: string) {
  const wallStart = Date.now();
  const config: AifbConfig = {
    dataDir: mkdtempSync(join(tmpdir(), 'aifb-chaos-')),
    distDir: join(repoRoot, 'dist'),
    taskQueue: `aifb-chaos-${process.pid}-${++counter}`,
  };
  const delays = c.point.delay ?? '';
  const workers = [chaosWorker(server.address, config, delays), chaosWorker(server.address, config, delays)];
  const benchmarkId = `bench-chaos${counter}-${process.pid}`;
  const recipe = c.slurm ? clusterRecipe(`chaos${counter}`) : localRecipe(`chaos${counter}`);
  const handle = await server.client.workflow.start(WORKFLOW_TYPE, {
    taskQueue: config.taskQueue,
    workflowId: benchmarkId,
    args: [recipe],
  });
  let recoveryMs: number | null = null;
  try {
    const { running } = await reach(handle, c.point);
    const faultAt = Date.now();
    switch (c.fault) {
      case 'kill -9 worker': {
        const holder = workers.find((w) => w.pid === running.workerPid);
        if (!holder)
          throw new Error(`no worker of ours holds ${c.point.activity} (pid ${running.workerPid})`);
        holder.kill('SIGKILL');
        // Recovered when the activity runs again on the other worker (or is done and gone).
        // The relay's heartbeat timeout is a minute (workflows/benchmark.ts), the others' 10 s.
        await until(
          `${c.point.activity} to run again`,
          c.point.activity === ACTIVITY.relayTelemetry ? 120_000 : 60_000,
          async () => {
            const again = await runningActivity(handle, c.point.activity);
            if ((again && again.attempt > running.attempt) || !(await isPending(handle, c.point.activity)))
              return true;
            return null;
          },
          async () =>
            `killed worker pid ${holder.pid}; other workers alive: ${workers
              .filter((w) => w !== holder)
              .map((w) => `${w.pid} ${w.exitCode === null ? 'running' : `exited ${w.exitCode}`}`)
              .join(', ')}\n${await pendingActivities(handle)}`,
        );
        recoveryMs = Date.now() - faultAt;
        break;
      }
      case 'cancel':
        await handle.cancel();
        break;
      case 'terminate':
        await handle.terminate('chaos: operator terminate');
        break;
      case 'kill -9 Temporal + restart': {
        server.kill();
        await sleep(2000);
        await server.restart();
        const stage = (await liveStatus(handle))?.stageIndex;
        await until('the run to move on after the restart', 60_000, async () => {
          const now = await liveStatus(handle);
          return now && (now.phase !== 'loading' || now.stageIndex !== stage) ? true : null;
        });
        recoveryMs = Date.now() - faultAt;
        break;
      }
      case 'kill -9 service': {
        const dir = join(config.dataDir, 'jobs', benchmarkId, jobNames.service(benchmarkId));
        const service = jobProcesses(dir).filter((p) => p.cmdline.includes('simulator.mjs'));
        expect(service.length).toBeGreaterThan(0);
        for (const p of service) process.kill(p.pid, 'SIGKILL');
        break;
      }
      case 'kill -9 one client': {
        const dir = join(config.dataDir, 'jobs', benchmarkId, jobNames.clients(benchmarkId));
        const client = jobProcesses(dir).filter((p) => p.cmdline.includes('loadgen.mjs') && p.task === '1');
        expect(client.length).toBe(1);
        process.kill(client[0]!.pid, 'SIGKILL');
        break;
      }
      case 'kill -9 sshd + restart': {
        const { stateDir } = cluster();
        const listener = Number(readFileSync(`${stateDir}/ssh/sshd.pid`, 'utf8').trim());
        execFileSync('pkill', ['-KILL', '-P', String(listener)]);
        process.kill(listener, 'SIGKILL');
        await sleep(3000);
        execFileSync('bash', [join(repoRoot, 'scripts/cluster/up.sh')], { stdio: 'ignore' });
        recoveryMs = Date.now() - faultAt;
        break;
      }
      case 'Slurm node DOWN': {
        const node = execFileSync('sinfo', ['-h', '-o', '%N'], { encoding: 'utf8' }).trim();
        execFileSync('scontrol', ['update', `nodename=${node}`, 'state=down', 'reason=aifb-chaos']);
        await sleep(3000);
        // The cluster may have returned the node to service itself (ReturnToService); if not, resume it.
        const state = execFileSync('sinfo', ['-h', '-n', node, '-o', '%T'], { encoding: 'utf8' }).trim();
        if (/down|drain/i.test(state))
          execFileSync('scontrol', ['update', `nodename=${node}`, 'state=resume']);
        break;
      }
    }

    const end = await until(`${benchmarkId} to end`, 240_000, async () => {
      const { status } = await handle.describe();
      return status.name === 'RUNNING' ? null : ending(handle);
    });
    if (recoveryMs === null && c.fault !== 'kill -9 service' && c.fault !== 'kill -9 one client') {
      recoveryMs = Date.now() - faultAt; // cancel/terminate: until the run was closed
    }

    // No job of the run is left: teardown, or for a terminated run the janitor (every 2 s here).
    const leftover = async () =>
      c.slurm ? queuedNames(`${benchmarkId}-`).length : jobProcessesUnder(config.dataDir).length;
    const left =
      c.fault === 'terminate'
        ? await until('the janitor to clear the jobs', 30_000, async () =>
            (await leftover()) === 0 ? 0 : null,
          ).catch(leftover)
        : await leftover();

    // Finished stages keep their numbers (the raw stage file is written when a stage is collected).
    const resultsDir = paths.results(config, benchmarkId);
    const finishedBefore = c.point.phase === 'tearing-down' ? 2 : c.point.stage === 1 ? 1 : 0;
    const stageFiles = existsSync(resultsDir)
      ? readdirSync(resultsDir).filter((f) => /^stage-\d+-s\d\.json$/.test(f))
      : [];
    const summaryFile = join(resultsDir, resultFiles.summary);
    const summary = existsSync(summaryFile)
      ? (JSON.parse(readFileSync(summaryFile, 'utf8')) as BenchmarkSummary)
      : null;

    rows.push({
      name,
      expected: c.expect + (c.reason ? ` (${c.reason.source})` : ''),
      outcome: end.outcome,
      reason: end.message ? end.message.split('\n').slice(0, 2).join(' ').slice(0, 70) : '-',
      recoveryS: recoveryMs === null ? '-' : (recoveryMs / 1000).toFixed(1),
      leftover: left,
      stagesKept: `${stageFiles.length}/${finishedBefore}+`,
      wallS: ((Date.now() - wallStart) / 1000).toFixed(0),
    });

    expect(end.outcome, end.message).toBe(c.expect);
    if (c.reason) expect(end.message).toMatch(c.reason);
    expect(left).toBe(0);
    expect(stageFiles.length).toBeGreaterThanOrEqual(finishedBefore);
    if (end.outcome === 'completed') {
      expect(summary?.status).toBe('completed');
      expect(summary?.stages.map((s) => s.validity?.valid)).toEqual([true, true]);
    }
    if (summary && finishedBefore > 0) expect(summary.stages.length).toBeGreaterThanOrEqual(finishedBefore);
    if (c.fault === 'kill -9 worker') expect(recoveryMs).toBeLessThanOrEqual(STALL_BOUND_MS);
  } finally {
    await Promise.all(workers.map(stopProcess));
    if ((await handle.describe().catch(() => null))?.status.name === 'RUNNING')
      await handle.terminate('chaos test cleanup');
  }
}

const local: Case[] = [
  ...Object.values(POINTS).map((point): Case => ({ fault: 'kill -9 worker', point, expect: 'completed' })),
  ...Object.values(POINTS).map(
    // Teardown cannot be cancelled: a cancel during it lets the run finish as it was.
    (point): Case => ({
      fault: 'cancel',
      point,
      expect: point.phase === 'tearing-down' ? 'completed' : 'cancelled',
    }),
  ),
  ...Object.values(POINTS).map((point): Case => ({ fault: 'terminate', point, expect: 'terminated' })),
  {
    fault: 'kill -9 service',
    point: POINTS.loading!,
    expect: 'failed',
    reason: /INVALID[\s\S]*service-alive/,
  },
  {
    fault: 'kill -9 one client',
    point: POINTS.loading!,
    expect: 'failed',
    reason: /INVALID[\s\S]*clients-reported/,
  },
  { fault: 'kill -9 Temporal + restart', point: POINTS.loading!, expect: 'completed' },
];

const onSlurm: Case[] = [
  { fault: 'kill -9 sshd + restart', point: POINTS.loading!, expect: 'completed', slurm: true },
  {
    fault: 'Slurm node DOWN',
    point: POINTS.loading!,
    expect: 'failed',
    reason: /no client reported|service-alive/,
    slurm: true,
  },
];

describe('chaos matrix (local executor)', () => {
  for (const c of local) {
    const name = `${c.fault} @ ${c.point.label}`;
    it(name, () => runCase(c, name), 300_000);
  }
});

describe('chaos matrix (Slurm executor)', () => {
  for (const c of onSlurm) {
    const name = `${c.fault} @ ${c.point.label} (slurm)`;
    it(name, () => runCase(c, name), 300_000);
  }
});
