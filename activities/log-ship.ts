/**
 * What a job needs to run the in-job log shipper (recipe `telemetry.directLokiUrl`,
 * loadgen/log-ship.ts): the loadgen program that carries it and its spec, logship.json.
 */
import { type JobRuntime, logShipFiles, programFile } from '../core/jobs';
import type { LogShipSpec } from '../core/loadgen-protocol';
import type { AifbConfig } from '../core/node/config';
import type { Recipe } from '../core/recipe';
import { builtProgram } from './programs';

export interface LogShipJob {
  runtime: JobRuntime;
  files: Record<string, string>;
  uploads: Record<string, string>;
}

export function logShipJob(
  config: AifbConfig,
  recipe: Pick<Recipe, 'target'>,
  url: string,
  job: { benchmarkId: string; jobName: string; tasks: number },
): LogShipJob {
  const { runtime, path } = builtProgram(config, 'loadgen', recipe);
  const spec: LogShipSpec = { version: 1, url, ...job };
  return {
    runtime,
    files: { [logShipFiles.spec]: `${JSON.stringify(spec, null, 2)}\n` },
    uploads: { [programFile('loadgen', runtime)]: path },
  };
}
