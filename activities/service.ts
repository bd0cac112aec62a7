/** Deploying the service under test and waiting until it really answers. */
import { Context } from '@temporalio/activity';
import type { HealthyEndpoint, ServiceCheck, ServiceInput } from '../core/contract';
import type { Target } from '../core/deployment';
import { formatDuration } from '../core/duration';
import { type JobRef, jobFiles, jobNames, serviceFiles, TERMINAL_STATES } from '../core/jobs';
import { imageFileName, imageToPull } from '../core/service-kinds';
import type { ServiceTiming } from '../core/summary-format';
import type { Executor } from '../executors/types';
import { serviceLaunch } from '../services/launch';
import { postgresPassword } from '../services/postgres';
import { localProblems } from '../services/preflight';
import { type ProbeSpec, readinessProblem, serviceIdentity } from '../services/probe';
import { factsScript, renderPullScript, renderServiceScript, samplerScript } from '../slurm-scripts/render';
import type { ActivityContext } from './context';
import { outputTail, permanent } from './failures';
import { heartbeat } from './heartbeat';
import { logShipJob } from './log-ship';
import { builtProgram } from './programs';

/** How often a pull job is looked at (its last log line is the progress). */
const PULL_POLL_MS = 2000;

export function serviceActivities(ctx: ActivityContext) {
  return {
    async pullImage({ ownerId, target, service }: ServiceInput): Promise<{ image: string; file: string }> {
      const image = imageToPull(service);
      if (!image) throw permanent('BadConfig', 'the service has no image to pull');
      const executor = ctx.executorFor({ target });
      const file = imageFileName(image);
      const job = await executor.submit({
        name: jobNames.image(ownerId),
        benchmarkId: ownerId,
        script: renderPullScript({ jobName: jobNames.image(ownerId), image, file }),
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

    async submitService({ ownerId, target, service, directLokiUrl }: ServiceInput): Promise<JobRef> {
      const executor = ctx.executorFor({ target });
      if (service.kind === 'external') throw permanent('BadConfig', 'an external service is not submitted');
      // Only the simulator runs a program of aifb's; other kinds name their own.
      const program =
        service.kind === 'simulator' ? builtProgram(ctx.config, 'simulator', { target }).path : '';
      if (executor.kind === 'local') {
        const problems = localProblems(service);
        if (problems.length > 0) throw permanent('BadConfig', problems.join('\n'));
      }
      const name = jobNames.service(ownerId);
      const launch = serviceLaunch(service, program, { target });
      const ship = directLokiUrl
        ? logShipJob(ctx.config, { target }, directLokiUrl, { benchmarkId: ownerId, jobName: name, tasks: 1 })
        : undefined;
      const script = renderServiceScript({
        jobName: name,
        env: launch.env,
        argv: launch.argv,
        announce: launch.announce,
        ...(ship ? { logShip: ship.runtime } : {}),
      });
      const job = await executor.submit({
        name,
        benchmarkId: ownerId,
        script,
        files: { ...launch.files, ...ship?.files },
        uploads: {
          ...launch.uploads,
          ...ship?.uploads,
          [serviceFiles.sampler]: samplerScript,
          [jobFiles.factsScript]: factsScript,
        },
        resources: service.resources,
      });
      Context.current().log.info('service job submitted', { job: job.name, id: job.id });
      return job;
    },

    async waitForHealth(input: ServiceInput & { job: JobRef | null }): Promise<HealthyEndpoint> {
      const { target, service, job } = input;
      const probe: ProbeSpec = {
        service,
        ...(input.api ? { api: input.api } : {}),
        ...(input.apiKeyEnv ? { apiKeyEnv: input.apiKeyEnv } : {}),
      };
      const activity = Context.current();
      const executor = ctx.executorFor({ target });
      const { timeout, interval } = service.health;
      // Queue-aware: the health clock starts when the job runs; until then the executor bounds
      // the wait (maxPending). A retried attempt keeps the first attempt's clocks.
      const clocks: HealthClocks = {
        sinceMs: Date.now(),
        ...(activity.info.heartbeatDetails as Partial<HealthClocks> | undefined),
      };
      let problem = 'the service job has not started yet';
      for (;;) {
        heartbeat({ ...clocks, problem });
        if (service.kind === 'external') {
          clocks.runningSinceMs ??= Date.now();
          const answer = await readinessProblem(service.url, probe);
          if (answer === null)
            return externalEndpoint(service.url, await serviceIdentity(service.url, probe));
          problem = answer;
        } else if (job) {
          const ready = await probeJob(executor, job, probe, clocks);
          if ('endpoint' in ready) return { ...ready.endpoint, timing: timingOf(clocks) };
          problem = ready.problem;
        }
        const deadlineMs = clocks.runningSinceMs === undefined ? Infinity : clocks.runningSinceMs + timeout;
        if (Date.now() >= deadlineMs) {
          throw permanent(
            'HealthTimeout',
            `service not healthy within ${formatDuration(timeout)} of starting to run: ${problem}${job ? await outputTail(executor, job) : ''}`,
          );
        }
        await activity.sleep(Math.min(interval, Math.max(0, deadlineMs - Date.now())));
      }
    },

    async checkService({ target, job }: { target: Target; job: JobRef }): Promise<ServiceCheck> {
      const { state, reason } = await ctx.executorFor({ target }).status(job);
      return { state, ended: TERMINAL_STATES.has(state), ...(reason ? { reason } : {}) };
    },
  };
}

function externalEndpoint(url: string, identity: HealthyEndpoint['identity']): HealthyEndpoint {
  const at = new URL(url);
  const port = Number(at.port || (at.protocol === 'https:' ? 443 : 80));
  return {
    host: at.hostname,
    port,
    address: `${at.hostname}:${port}`,
    url,
    ...(identity ? { identity } : {}),
  };
}

/** When the health wait began, when it first saw the job running, and why it pended. */
interface HealthClocks {
  sinceMs: number;
  runningSinceMs?: number;
  pendingReason?: string;
}

function timingOf(clocks: HealthClocks): ServiceTiming {
  const running = clocks.runningSinceMs ?? clocks.sinceMs;
  return {
    queueWaitMs: running - clocks.sinceMs,
    startupMs: Date.now() - running,
    ...(clocks.pendingReason ? { pendingReason: clocks.pendingReason } : {}),
  };
}

/** One look at the service job: ended (a failure), not yet ready (why), or ready (where). */
async function probeJob(
  executor: Executor,
  job: JobRef,
  probe: ProbeSpec,
  clocks: HealthClocks,
): Promise<{ endpoint: HealthyEndpoint } | { problem: string }> {
  const status = await executor.status(job);
  if (status.state === 'PENDING' && status.reason)
    clocks.pendingReason = status.reason.replace(/^Slurm reason: /, '');
  if (status.state === 'RUNNING') clocks.runningSinceMs ??= Date.now();
  if (TERMINAL_STATES.has(status.state)) {
    const why = status.reason ? `: ${status.reason}` : '';
    throw permanent(
      'ServiceFailed',
      `service job ${job.name} ended (${status.state}${why}) before it became healthy${await outputTail(executor, job)}`,
    );
  }
  if (status.state !== 'RUNNING')
    return { problem: `the service job is ${status.state}${status.reason ? ` (${status.reason})` : ''}` };
  const announced = await announcedAddress(executor, job);
  if (!announced) return { problem: 'the service has not announced its host:port yet' };
  const { host, port } = announced;
  // A postgres job draws its password before initdb: the probe logs in with it.
  const withPassword: ProbeSpec =
    probe.service.kind === 'postgres' ? { ...probe, password: await postgresPassword(executor, job) } : probe;
  const endpoint = await executor.endpoint(host, port);
  try {
    const problem = await readinessProblem(endpoint.url, withPassword);
    if (problem !== null) return { problem };
    const address = `${host}:${port}`;
    const identity = await serviceIdentity(endpoint.url, withPassword);
    return { endpoint: { host, port, address, url: `http://${address}`, identity } };
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
