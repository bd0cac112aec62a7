/**
 * A run's environment (summary.json `environment`): the facts each job task wrote on its own
 * machine (slurm-scripts/facts.sh), the jobs' ids, aifb's version and the recipe hash. Best
 * effort: what cannot be read is named in `problems`, never fails the run.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type JobRef, jobFiles, parseJobName } from '../core/jobs';
import { nodesOf, parseFacts } from '../core/machine-facts';
import { repoRoot } from '../core/node/config';
import { recipeHash } from '../core/node/recipe-hash';
import type { Recipe } from '../core/recipe';
import type { JobEnvironment, NodeFacts, RunEnvironment, ServiceIdentity } from '../core/summary-format';
import type { Executor } from '../executors/types';

const FACTS_MAX_BYTES = 64 * 1024;
const READ_BATCH = 8;

let aifbVersion: Promise<RunEnvironment['aifb']> | undefined;

/** package.json's version and the checkout's commit, read once per worker process. */
export function aifbIdentity(): Promise<RunEnvironment['aifb']> {
  aifbVersion ??= (async () => {
    let version = 'unknown';
    try {
      version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string })
        .version;
    } catch {
      // a bundled worker without package.json: unknown
    }
    const commit = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, timeout: 5000 })
      .then((r) => r.stdout.trim() || null)
      .catch(() => null);
    return { version, commit, node: process.version };
  })();
  return aifbVersion;
}

async function jobEnvironment(
  executor: Executor,
  job: JobRef,
  role: JobEnvironment['role'],
  problems: string[],
): Promise<JobEnvironment> {
  const tasks: NodeFacts[] = [];
  // An image pull job runs no facts script: its id is what matters.
  if (role !== 'image') {
    const read = async (task: number) => {
      const file = jobFiles.facts(task);
      try {
        const content = (await executor.readFile(job, file, 0, FACTS_MAX_BYTES)).data.toString('utf8');
        const facts = parseFacts(content, task);
        if (facts) tasks.push(facts);
        else problems.push(`${job.name} task ${task}: no ${file} (the task may not have started)`);
      } catch (err) {
        problems.push(
          `${job.name} task ${task}: ${file}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    };
    // A few reads at a time: a clients array of hundreds is read in seconds, not minutes.
    for (let first = 0; first < job.tasks; first += READ_BATCH) {
      const batch = Array.from({ length: Math.min(READ_BATCH, job.tasks - first) }, (_, i) =>
        read(first + i),
      );
      await Promise.all(batch);
    }
    tasks.sort((a, b) => a.task - b.task);
  }
  return { role, name: job.name, id: job.id, executor: executor.kind, tasks };
}

export async function runEnvironment(input: {
  executor: Executor;
  benchmarkId: string;
  recipe: Recipe;
  /** What served (the deployment's service for a benchmark that named one). */
  service: { kind: string; model: string };
  identity?: ServiceIdentity | undefined;
  /** A deployment's service job (not among the benchmark's own). */
  serviceJob?: JobRef | undefined;
}): Promise<RunEnvironment> {
  const { executor, benchmarkId, recipe, identity } = input;
  const problems: string[] = [];
  const own = await executor.listJobs(benchmarkId).catch((err: unknown) => {
    problems.push(`listing the jobs: ${err instanceof Error ? err.message : String(err)}`);
    return [] as JobRef[];
  });
  const order = { 'deployment-service': 0, service: 1, image: 2, clients: 3 } as const;
  const jobs: [JobRef, JobEnvironment['role']][] = [
    ...(input.serviceJob
      ? [[input.serviceJob, 'deployment-service'] as [JobRef, JobEnvironment['role']]]
      : []),
    ...own.flatMap((job): [JobRef, JobEnvironment['role']][] => {
      const role = parseJobName(benchmarkId, job.name);
      return role ? [[job, role.kind]] : [];
    }),
  ].sort((a, b) => order[a[1]] - order[b[1]]);
  const environments: JobEnvironment[] = [];
  for (const [job, role] of jobs) environments.push(await jobEnvironment(executor, job, role, problems));
  const aifb = await aifbIdentity();
  if (aifb.commit === null) problems.push('aifb commit unknown (not a git checkout, or git failed)');
  return {
    aifb,
    recipeHash: recipeHash(recipe),
    service: {
      ...input.service,
      version: identity?.version ?? null,
      models: identity?.models.map((m) => m.id) ?? [],
    },
    nodes: nodesOf(environments),
    jobs: environments,
    ...(problems.length > 0 ? { problems } : {}),
  };
}
