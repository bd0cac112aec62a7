/**
 * What a stage's window looked like from the service's side. Reads everything through the
 * executor (and Prometheus) first, then computes with the pure code in telemetry/. Never
 * throws: a part that cannot be had says why.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type JobRef, serviceFiles } from '../core/jobs';
import { type AifbConfig, paths, resultFiles } from '../core/node/config';
import type { StageTelemetry, Window } from '../core/summary-format';
import { type Executor, readChunks } from '../executors/types';
import { PrometheusApi, serverAggregates } from '../telemetry/prometheus';
import { aggregateScrapes, type ServiceSamples, systemTelemetry } from '../telemetry/stage-telemetry';

async function readWhole(executor: Executor, job: JobRef, name: string): Promise<string> {
  const parts: Buffer[] = [];
  for await (const { data } of readChunks(executor, job, name)) parts.push(data);
  return Buffer.concat(parts).toString('utf8');
}

/** The sampler's files of the service job. */
async function readServiceSamples(executor: Executor, service: JobRef): Promise<ServiceSamples> {
  const gpuAbsent = await executor.tail(service, serviceFiles.gpuAbsent, 1024);
  return {
    gpuAbsent,
    gpuCsv: gpuAbsent.trim() ? '' : await readWhole(executor, service, serviceFiles.gpu),
    procCsv: await readWhole(executor, service, serviceFiles.proc),
  };
}

/** Server aggregates from Prometheus or, without it, from the raw scrape copy; then system samples. */
export async function stageTelemetry(
  config: AifbConfig,
  executor: Executor,
  benchmarkId: string,
  service: JobRef | undefined,
  window: Window,
  outputTokens: number,
): Promise<StageTelemetry> {
  const promUrl = config.telemetry?.prometheusUrl;
  let server: StageTelemetry['server'];
  try {
    server = promUrl
      ? await serverAggregates(new PrometheusApi(promUrl), benchmarkId, window)
      : aggregateScrapes(
          await readFile(join(paths.results(config, benchmarkId), resultFiles.serviceScrapes), 'utf8').catch(
            () => '',
          ),
          window,
        );
  } catch (err) {
    server = { unavailable: (err as Error).message };
  }
  const samples = service ? await readServiceSamples(executor, service) : null;
  return { server, system: systemTelemetry(samples, window, outputTokens) };
}
