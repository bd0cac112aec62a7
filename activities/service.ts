/** Deploying the service under test and waiting until it answers. */
import { existsSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import type { HealthyEndpoint, ServiceCheck, ServiceInput } from '../core/contract';
import type { Target } from '../core/deployment';
import { formatDuration } from '../core/duration';
import { type JobRef, jobFiles, jobNames, serviceFiles, TERMINAL_STATES } from '../core/jobs';
import { paths } from '../core/node/config';
import { modelName } from '../core/recipe';
import type { Executor } from '../executors/types';
import {
  jobShell,
  renderServiceScript,
  type ServiceScriptInput,
  samplerScript,
  type Word,
} from '../slurm-scripts/render';
import type { ActivityContext } from './context';
import { outputTail, permanent } from './failures';
import { heartbeat } from './heartbeat';
import { httpStatus } from './http-probe';

export function serviceActivities(ctx: ActivityContext) {
  return {
    async submitService({ ownerId, target, service }: ServiceInput): Promise<JobRef> {
      const executor = ctx.executorFor({ target });
      const name = jobNames.service(ownerId);
      const files: Record<string, string> = {};
      const uploads: Record<string, string> = {};
      let argv: Word[];
      let announce: ServiceScriptInput['announce'];
      if (service.kind === 'simulator') {
        const bundle = paths.bundle(ctx.config, 'simulator');
        if (!existsSync(bundle))
          throw permanent('BadConfig', `${bundle} is missing: run \`npm run build\` first`);
        uploads[serviceFiles.simulatorBundle] = bundle;
        const s = service.simulator;
        files[serviceFiles.simulatorConfig] = JSON.stringify({
          model: modelName({ service }),
          port: service.port,
          ttftMs: s.ttft,
          itlMs: s.itl,
          outputTokens: s.outputTokens,
          tokensPerChunk: s.tokensPerChunk,
          seed: s.seed,
          ...(s.maxConcurrency ? { maxConcurrency: s.maxConcurrency } : {}),
        });
        argv = [
          jobShell.node,
          jobShell.jobFile(serviceFiles.simulatorBundle),
          '--config',
          jobShell.jobFile(serviceFiles.simulatorConfig),
          '--host',
          jobShell.bindHost,
          '--advertise-host',
          jobShell.advertiseHost,
          '--endpoint-file',
          jobShell.jobFile(jobFiles.endpoint),
        ];
        announce = 'self';
      } else {
        argv = service.command.map((arg) => arg.replaceAll('{port}', String(service.port)));
        announce = { port: service.port };
      }
      uploads[serviceFiles.sampler] = samplerScript;
      const script = renderServiceScript({ jobName: name, env: service.env, argv, announce });
      const job = await executor.submit({
        name,
        benchmarkId: ownerId,
        script,
        files,
        uploads,
        resources: service.resources,
      });
      Context.current().log.info('service job submitted', { job: job.name, id: job.id });
      return job;
    },

    async waitForHealth({
      target,
      service: spec,
      job: service,
    }: ServiceInput & { job: JobRef }): Promise<HealthyEndpoint> {
      const activity = Context.current();
      const executor = ctx.executorFor({ target });
      const { path, timeout, interval } = spec.health;
      // A retried attempt keeps the first attempt's deadline.
      const previous = activity.info.heartbeatDetails as { deadlineMs?: number } | undefined;
      const deadlineMs = previous?.deadlineMs ?? Date.now() + timeout;
      let problem = 'the service job has not started yet';
      for (;;) {
        heartbeat({ deadlineMs, problem });
        const status = await executor.status(service);
        if (TERMINAL_STATES.has(status.state)) {
          const why = status.reason ? `: ${status.reason}` : '';
          throw permanent(
            'ServiceFailed',
            `service job ${service.name} ended (${status.state}${why}) before it became healthy${await outputTail(executor, service)}`,
          );
        }
        if (status.state === 'RUNNING') {
          const announced = await announcedAddress(executor, service);
          if (announced) {
            const { host, port } = announced;
            const endpoint = await executor.endpoint(host, port);
            try {
              const status = await httpStatus(`${endpoint.url}${path}`, 5000);
              if (status >= 200 && status < 300) return { host, port, address: `${host}:${port}` };
              problem = `GET ${path} answered ${status}`;
            } catch (err) {
              const error = err as NodeJS.ErrnoException;
              problem = `GET ${path} failed: ${error.code ?? error.message}`;
            } finally {
              await endpoint.close();
            }
          } else {
            problem = 'the service has not announced its host:port yet';
          }
        } else {
          problem = `the service job is ${status.state}`;
        }
        if (Date.now() >= deadlineMs) {
          throw permanent(
            'HealthTimeout',
            `service not healthy within ${formatDuration(timeout)}: ${problem}${await outputTail(executor, service)}`,
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
