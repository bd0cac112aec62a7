/**
 * Each service kind's launch line: the argv the service job runs, its environment, how its
 * endpoint gets announced, and the files it needs. Pure apart from naming the simulator's
 * program; rendered into a script by slurm-scripts/render.ts (every recipe value quoted there).
 */

import { type JobRuntime, jobFiles, programFile, serviceFiles } from '../core/jobs';
import type { Recipe, ServiceSpec } from '../core/recipe';
import { jobRuntime, modelName } from '../core/recipe-read';
import { imageFileName, isImageUri, POSTGRES_ROLE } from '../core/service-kinds';
import {
  jobShell,
  joinWords,
  pathWord,
  postgresScript,
  type ServiceScriptInput,
  type Word,
  withPort,
} from '../slurm-scripts/render';

export interface ServiceLaunch {
  argv: Word[];
  env: Record<string, string>;
  announce: ServiceScriptInput['announce'];
  /** Text files written into the job folder. */
  files: Record<string, string>;
  /** Local files copied into the job folder, by target name (the worker's paths). */
  uploads: Record<string, string>;
}

type Launched = Exclude<ServiceSpec, { kind: 'external' }>;

/** Where a database kind keeps its data: a folder in the job's folder, gone with the job. */
const SERVICE_DATA_DIR = 'service-data';

/**
 * The launch of a service the job runs on `target`; `simulatorProgram` is the worker's built
 * simulator of the target's runtime (paths.program).
 */
export function serviceLaunch(
  service: ServiceSpec,
  simulatorProgram: string,
  target: Pick<Recipe, 'target'> = { target: { executor: 'local' } },
): ServiceLaunch {
  if (service.kind === 'external') throw new Error('an external service is not launched');
  if (service.kind === 'simulator') return simulatorLaunch(service, simulatorProgram, jobRuntime(target));
  const env = { ...service.env };
  const hfHome = 'hfHome' in service ? service.hfHome : undefined;
  if (hfHome) env.HF_HOME = hfHome;
  const argv = [...serverArgv(service), ...service.args.map(withPort)];
  return {
    argv: service.image ? [...apptainerExec(service), ...argv] : argv,
    env,
    announce: { port: service.port },
    files: {},
    // postgres runs its start script (initdb, then the server) from the job's folder.
    uploads: service.kind === 'postgres' ? { [serviceFiles.postgresStart]: postgresScript } : {},
  };
}

/** What each server kind is started with: aifb's arguments first, the recipe's `args` after. */
function serverArgv(service: Exclude<Launched, { kind: 'simulator' }>): Word[] {
  const gpus = service.resources.gpus ?? 0;
  switch (service.kind) {
    case 'command':
      return [pathWord(service.command[0]!), ...service.command.slice(1).map(withPort)];
    case 'vllm':
      return [
        pathWord(service.binary),
        'serve',
        service.model,
        '--host',
        jobShell.bindHost,
        '--port',
        jobShell.port,
        // One engine over all the GPUs asked on its node.
        ...(gpus > 1 ? ['--tensor-parallel-size', String(gpus)] : []),
      ];
    case 'llamacpp':
      return [
        pathWord(service.binary),
        '--model',
        pathWord(service.model),
        '--host',
        jobShell.bindHost,
        '--port',
        jobShell.port,
        '--metrics',
        '--slots',
        // Every layer on the GPUs when any are asked; CPU otherwise.
        ...(gpus > 0 ? ['--n-gpu-layers', '999'] : []),
      ];
    case 'chroma':
      return [
        pathWord(service.binary),
        'run',
        '--host',
        jobShell.bindHost,
        '--port',
        jobShell.port,
        '--path',
        jobShell.jobFile(SERVICE_DATA_DIR),
      ];
    case 'qdrant':
      // Qdrant reads its settings from QDRANT__SECTION__KEY variables.
      return [
        'env',
        joinWords('QDRANT__SERVICE__HOST=', jobShell.bindHost),
        joinWords('QDRANT__SERVICE__HTTP_PORT=', jobShell.port),
        joinWords('QDRANT__SERVICE__GRPC_PORT=', jobShell.nextPort),
        joinWords('QDRANT__STORAGE__STORAGE_PATH=', jobShell.jobFile(SERVICE_DATA_DIR)),
        joinWords('QDRANT__STORAGE__SNAPSHOTS_PATH=', jobShell.jobFile(`${SERVICE_DATA_DIR}-snapshots`)),
        'QDRANT__TELEMETRY_DISABLED=true',
        pathWord(service.binary),
      ];
    case 'ollama':
      // Ollama takes its address from the environment only.
      return [
        'env',
        joinWords('OLLAMA_HOST=', jobShell.bindHost, ':', jobShell.port),
        service.binary,
        'serve',
      ];
    case 'postgres':
      // The script takes the port and bind address from the job; each setting is one -c word.
      return [
        'bash',
        jobShell.jobFile(serviceFiles.postgresStart),
        service.binDir ? pathWord(service.binDir) : '',
        POSTGRES_ROLE,
        jobShell.jobFile(serviceFiles.postgresPassword),
        ...Object.entries(service.settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ];
  }
}

/** `apptainer exec` with GPUs, binds and the Hugging Face cache, then the image to run. */
function apptainerExec(service: Exclude<Launched, { kind: 'simulator' }>): Word[] {
  const image = service.image!;
  const imageWord: Word = isImageUri(image)
    ? joinWords(jobShell.imageCache, `/${imageFileName(image)}`)
    : pathWord(image);
  const hfHome = 'hfHome' in service ? service.hfHome : undefined;
  const binds = [...service.binds, ...(hfHome ? [hfHome] : [])];
  return [
    'apptainer',
    'exec',
    ...((service.resources.gpus ?? 0) > 0 ? ['--nv'] : []),
    ...binds.flatMap((b) => ['--bind', b]),
    imageWord,
  ];
}

function simulatorLaunch(
  service: Extract<ServiceSpec, { kind: 'simulator' }>,
  program: string,
  runtime: JobRuntime,
): ServiceLaunch {
  const s = service.simulator;
  const config = {
    model: modelName({ service }),
    port: service.port === 'auto' ? 0 : service.port,
    ttftMs: s.ttft,
    itlMs: s.itl,
    outputTokens: s.outputTokens,
    tokensPerChunk: s.tokensPerChunk,
    seed: s.seed,
    ...(s.maxConcurrency ? { maxConcurrency: s.maxConcurrency } : {}),
    ...(s.embeddingDimension ? { embeddingDimension: s.embeddingDimension } : {}),
  };
  return {
    argv: [
      ...jobShell.program('simulator', runtime),
      '--config',
      jobShell.jobFile(serviceFiles.simulatorConfig),
      '--host',
      jobShell.bindHost,
      '--advertise-host',
      jobShell.advertiseHost,
      '--endpoint-file',
      jobShell.jobFile(jobFiles.endpoint),
    ],
    env: { ...service.env },
    announce: 'self',
    files: { [serviceFiles.simulatorConfig]: JSON.stringify(config) },
    uploads: { [programFile('simulator', runtime)]: program },
  };
}
