/** Deploying the service under test and waiting until it really answers. */
import { Context } from '@temporalio/activity';
import type { BenchInput, HealthyEndpoint } from '../core/contract';
import { formatDuration } from '../core/duration';
import { type JobRef, jobFiles, jobNames, serviceFiles, TERMINAL_STATES } from '../core/jobs';
import { imageFileName, imageToPull } from '../core/service-kinds';
import type { Executor } from '../executors/types';
import { serviceLaunch } from '../services/launch';
import { localProblems } from '../services/preflight';
import { readinessProblem, serviceIdentity } from '../services/probe';
import { renderPullScript, renderServiceScript, samplerScript } from '../slurm-scripts/render';
import type { ActivityContext } from './context';
import { outputTail, permanent } from './failures';
import { heartbeat } from './heartbeat';
import { builtProgram } from './programs';

/** How often a pull job is looked at (its last log line is the progress). */
const PULL_POLL_MS = 2000;

export function serviceActivities(ctx: ActivityContext) {
  return {
    async pullImage({ benchmarkId, recipe }: BenchInput): Promise<{ image: string; file: string }> {
      const image = imageToPull(recipe.service);
      if (!image) throw permanent('BadConfig', 'the service has no image to pull');
      const executor = ctx.executorFor(recipe);
      const file = imageFileName(image);
      const job = await executor.submit({
        name: jobNames.image(benchmarkId),
        benchmarkId,
        script: renderPullScript({ jobName: jobNames.image(benchmarkId), image, file }),
        resources: { nodes: 1, cpusPerTask: 2, time: '02:00:00' },
      });
      const activity = Context.current();
      for (;;) {
        const status = await executor.status(job);
        // Progress for the Web UI's pending-activity view: the pull's own last line.
        const last = (await executor.tail(job, jobFiles.stderr(0), 400)).trim().split('\n').at(-1) ?? '';
        heartbeat({ state: status.state, last });
        if (status.state === 'COMPLETED') return { image, file };
        if (TERMINAL_STATES.has(status.state)) {
          throw permanent(
            'ImagePullFailed',
            `pulling ${image} ended ${status.state}${status.reason ? ` (${status.reason})` : ''}${await outputTail(executor, job)}`,
          );
        }
        await activity.sleep(PULL_POLL_MS);
      }
    },

    async submitService({ benchmarkId, recipe }: BenchInput): Promise<JobRef> {
      const executor = ctx.executorFor(recipe);
      const service = recipe.service;
      if (service.kind === 'external') throw permanent('BadConfig', 'an external service is not submitted');
      // Only the simulator runs a program of aifb's; other kinds name their own.
      const program = service.kind === 'simulator' ? builtProgram(ctx.config, 'simulator', recipe).path : '';
      if (executor.kind === 'local') {
        const problems = localProblems(recipe);
        if (problems.length > 0) throw permanent('BadConfig', problems.join('\n'));
      }
      const name = jobNames.service(benchmarkId);
      const launch = serviceLaunch(recipe, program);
      const script = renderServiceScript({
        jobName: name,
        env: launch.env,
        argv: launch.argv,
        announce: launch.announce,
      });
      const job = await executor.submit({
        name,
        benchmarkId,
        script,
        files: launch.files,
        uploads: { ...launch.uploads, [serviceFiles.sampler]: samplerScript },
        resources: service.resources,
      });
      Context.current().log.info('service job submitted', { job: job.name, id: job.id });
      return job;
    },

    async waitForHealth({
      recipe,
      service,
    }: BenchInput & { service: JobRef | null }): Promise<HealthyEndpoint> {
      const activity = Context.current();
      const executor = ctx.executorFor(recipe);
      const { timeout, interval } = recipe.service.health;
      // A retried attempt keeps the first attempt's deadline.
      const previous = activity.info.heartbeatDetails as { deadlineMs?: number } | undefined;
      const deadlineMs = previous?.deadlineMs ?? Date.now() + timeout;
      let problem = 'the service job has not started yet';
      for (;;) {
        heartbeat({ deadlineMs, problem });
        if (recipe.service.kind === 'external') {
          const { url } = recipe.service;
          const answer = await readinessProblem(url, recipe);
          if (answer === null) {
            const at = new URL(url);
            const port = Number(at.port || (at.protocol === 'https:' ? 443 : 80));
            return {
              host: at.hostname,
              port,
              address: `${at.hostname}:${port}`,
              url,
              identity: await serviceIdentity(url, recipe),
            };
          }
          problem = answer;
        } else if (service) {
          const ready = await probeJob(executor, service, recipe);
          if ('endpoint' in ready) return ready.endpoint;
          problem = ready.problem;
        }
        if (Date.now() >= deadlineMs) {
          throw permanent(
            'HealthTimeout',
            `service not ready within ${formatDuration(timeout)}: ${problem}${service ? await outputTail(executor, service) : ''}`,
          );
        }
        await activity.sleep(Math.min(interval, Math.max(0, deadlineMs - Date.now())));
      }
    },
  };
}

/** One look at the service job: ended (a failure), not yet ready (why), or ready (where). */
async function probeJob(
  executor: Executor,
  service: JobRef,
  recipe: BenchInput['recipe'],
): Promise<{ endpoint: HealthyEndpoint } | { problem: string }> {
  const status = await executor.status(service);
  if (TERMINAL_STATES.has(status.state)) {
    const why = status.reason ? `: ${status.reason}` : '';
    throw permanent(
      'ServiceFailed',
      `service job ${service.name} ended (${status.state}${why}) before it became healthy${await outputTail(executor, service)}`,
    );
  }
  if (status.state !== 'RUNNING') return { problem: `the service job is ${status.state}` };
  const announced = await announcedAddress(executor, service);
  if (!announced) return { problem: 'the service has not announced its host:port yet' };
  const { host, port } = announced;
  const endpoint = await executor.endpoint(host, port);
  try {
    const problem = await readinessProblem(endpoint.url, recipe);
    if (problem !== null) return { problem };
    const address = `${host}:${port}`;
    return {
      endpoint: {
        host,
        port,
        address,
        url: `http://${address}`,
        identity: await serviceIdentity(endpoint.url, recipe),
      },
    };
  } finally {
    await endpoint.close();
  }
}

/** The host:port the service job announced in its endpoint file; null until it has. */
export async function announcedAddress(
  executor: Executor,
  service: JobRef,
): Promise<{ host: string; port: number } | null> {
  const announced = (await executor.readFile(service, jobFiles.endpoint)).data.toString().trim();
  const match = /^(.+):(\d+)$/.exec(announced);
  // The simulator writes IPv6 hosts in brackets; the executor adds its own.
  return match ? { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) } : null;
}
