/** The local test cluster as `make cluster-up` describes it, and direct looks at its queue. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ClusterInfo {
  host: string;
  port: number;
  user: string;
  identityFile: string;
  knownHosts: string;
  partition: string;
  /** The second partition, on the same node; absent from an older cluster.json. */
  cpuPartition: string;
  workdir: string;
  stateDir: string;
  /** The cluster's one compute node. */
  node: string;
}

export const CLUSTER_JSON = '/var/lib/aifb-cluster/cluster.json';

export function cluster(): ClusterInfo {
  const info = JSON.parse(readFileSync(CLUSTER_JSON, 'utf8')) as Partial<ClusterInfo>;
  // A cluster.json from before the second partition: cluster-up (global setup) adds `cpu`.
  return { ...info, cpuPartition: info.cpuPartition ?? 'cpu' } as ClusterInfo;
}

/** Names of the jobs Slurm has in its queue now (run locally, not through our SSH code). */
export function queuedNames(prefix: string): string[] {
  return execFileSync('squeue', ['-h', '-o', '%j'], { encoding: 'utf8' })
    .split('\n')
    .filter((n) => n.startsWith(prefix));
}

/** Every job Slurm still knows (running, or ended within MinJobAge), one entry per job id. */
export function knownJobNames(prefix: string): string[] {
  const out = execFileSync('scontrol', ['show', 'job', '-o'], { encoding: 'utf8' });
  const byId = new Map<string, string>();
  for (const line of out.split('\n')) {
    const id = /(?:^| )ArrayJobId=(\d+)/.exec(line)?.[1] ?? /^JobId=(\d+)/.exec(line)?.[1];
    const name = / JobName=(\S+)/.exec(line)?.[1];
    if (id && name?.startsWith(prefix)) byId.set(id, name);
  }
  return [...byId.values()].sort();
}

/** Where and how each job ran, as Slurm recorded it, by job name: one entry per array task. */
export function jobPlacements(prefix: string): Record<string, { partition: string; state: string }[]> {
  const out = execFileSync('scontrol', ['show', 'job', '-o'], { encoding: 'utf8' });
  const byName: Record<string, { partition: string; state: string }[]> = {};
  for (const line of out.split('\n')) {
    const name = / JobName=(\S+)/.exec(line)?.[1];
    const partition = / Partition=(\S+)/.exec(line)?.[1];
    const state = / JobState=(\S+)/.exec(line)?.[1];
    if (!name?.startsWith(prefix) || !partition || !state) continue;
    byName[name] = [...(byName[name] ?? []), { partition, state }];
  }
  return byName;
}

/** The sshd processes serving connections (children of our listener), to kill mid-run. */
export function sshdSessionPids(stateDir: string): number[] {
  const listener = readFileSync(`${stateDir}/ssh/sshd.pid`, 'utf8').trim();
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', listener], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((s) => Number.parseInt(s.trim(), 10))
    .filter((n) => Number.isFinite(n));
}

/** A quick simulator benchmark on the cluster; override what a test needs. */
export function slurmRecipe(
  name: string,
  overrides: {
    stage?: Record<string, unknown>;
    service?: Record<string, unknown>;
    knownHosts?: string;
    modules?: string[];
    slurm?: Record<string, unknown>;
  } = {},
) {
  const c = cluster();
  return {
    name,
    target: {
      executor: 'slurm',
      slurm: {
        host: c.host,
        port: c.port,
        user: c.user,
        identityFile: c.identityFile,
        knownHosts: overrides.knownHosts ?? c.knownHosts,
        partition: c.partition,
        workdir: c.workdir,
        maxPending: '2m',
        ...(overrides.modules ? { modules: overrides.modules } : {}),
        ...overrides.slurm,
      },
    },
    service: overrides.service ?? {
      kind: 'simulator',
      simulator: { ttft: '50ms', itl: '5ms', outputTokens: 16, seed: 2 },
      resources: { time: '00:15:00' },
      health: { timeout: '60s', interval: '300ms' },
    },
    workload: {
      kind: 'openai-chat',
      dataset: { synthetic: { inputTokens: 32, outputTokens: 16 } },
      clients: { count: 3, resources: { time: '00:15:00' } },
      stages: [
        {
          name: 'c6',
          mode: 'concurrency',
          concurrency: 6,
          duration: '6s',
          warmup: '1s',
          cooldown: '5s',
          ...overrides.stage,
        },
      ],
    },
  };
}

/**
 * Keeps the node from starting new jobs (running ones go on): Slurm may start a job the instant
 * it is submitted, so a test that must hold a job before it runs drains first, holds, resumes.
 */
export function drainNode(): void {
  execFileSync('scontrol', ['update', `NodeName=${cluster().node}`, 'State=DRAIN', 'Reason=aifb-test-hold']);
}

export function resumeNode(): void {
  execFileSync('scontrol', ['update', `NodeName=${cluster().node}`, 'State=RESUME']);
}

/** The id of the job named `name` once it is queued in `state` (any state when omitted). */
export async function queuedJobId(name: string, state?: string, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = execFileSync('squeue', ['-h', '-r', '-o', '%A %T', `--name=${name}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((r) => r.split(' '));
    const row = rows.find(([, s]) => state === undefined || s === state);
    if (row) return row[0]!;
    if (Date.now() > deadline)
      throw new Error(`job ${name} never queued${state ? ` in state ${state}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
