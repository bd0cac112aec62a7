/**
 * Command line for the simulator. `simulatorCommand()` is a commander Command so the main
 * `aifb` CLI can mount it as `aifb sim`; `runSimulatorCli()` runs it standalone.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import type { Distribution } from '../core/random';
import { type SimulatorOptionsInput, simulatorOptionsSchema } from './options';
import { formatHostPort, type SimulatorHandle, startSimulator } from './server';

export interface SimulatorFlags {
  host?: string;
  port?: number;
  model?: string;
  ttftMs?: number;
  ttftStdevMs?: number;
  itlMs?: number;
  itlStdevMs?: number;
  outputTokens?: number;
  outputTokensStdev?: number;
  tokensPerChunk?: number;
  maxConcurrency?: number;
  seed?: number;
  preciseTiming?: boolean;
  timingLog?: string;
  endpointFile?: string;
  advertiseHost?: string;
  config?: string;
}

function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('not a number');
  return n;
}

const DEFAULTS = simulatorOptionsSchema.parse({});

/** A flag's mean/stdev replace those fields of the config file's (or default) distribution. */
function withFlags(base: unknown, fallback: Distribution, mean?: number, stdev?: number): unknown {
  if (mean === undefined && stdev === undefined) return base;
  const dist: Distribution =
    typeof base === 'number'
      ? { mean: base }
      : typeof base === 'object' && base
        ? { ...(base as Distribution) }
        : fallback;
  return { ...dist, ...(mean !== undefined && { mean }), ...(stdev !== undefined && { stdev }) };
}

/** Merges a parsed `--config` file with flags (flags win). Validation happens later, in zod. */
export function mergeOptions(config: Record<string, unknown>, flags: SimulatorFlags): SimulatorOptionsInput {
  const merged: Record<string, unknown> = { ...config };
  for (const key of [
    'host',
    'port',
    'model',
    'tokensPerChunk',
    'maxConcurrency',
    'seed',
    'preciseTiming',
    'timingLog',
  ] as const) {
    if (flags[key] !== undefined) merged[key] = flags[key];
  }
  merged.ttftMs = withFlags(config.ttftMs, DEFAULTS.ttftMs, flags.ttftMs, flags.ttftStdevMs);
  merged.itlMs = withFlags(config.itlMs, DEFAULTS.itlMs, flags.itlMs, flags.itlStdevMs);
  merged.outputTokens = withFlags(
    config.outputTokens,
    DEFAULTS.outputTokens,
    flags.outputTokens,
    flags.outputTokensStdev,
  );
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return merged as SimulatorOptionsInput;
}

/** Writes then renames, so a poller sees either no file or the complete line. */
export async function writeEndpointFile(path: string, hostPort: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${hostPort}\n`);
  await rename(tmp, path);
}

function describe(d: Distribution, unit: string): string {
  return `${d.mean}${d.stdev ? `±${d.stdev}` : ''}${unit}`;
}

async function readConfig(path: string): Promise<Record<string, unknown>> {
  let config: unknown;
  try {
    config = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new Error(`${path}: expected a JSON object`);
  }
  return config as Record<string, unknown>;
}

async function run(flags: SimulatorFlags): Promise<SimulatorHandle> {
  const config = flags.config ? await readConfig(flags.config) : {};
  // A file left by an earlier run must not be mistaken for this one's address.
  if (flags.endpointFile) await rm(flags.endpointFile, { force: true });
  const sim = await startSimulator(mergeOptions(config, flags));
  const o = sim.options;
  console.log(
    `aifb simulator listening on ${sim.url} model=${o.model} ttft=${describe(o.ttftMs, 'ms')} ` +
      `itl=${describe(o.itlMs, 'ms')} out=${describe(o.outputTokens, 'tok')}`,
  );
  if (flags.endpointFile) {
    // A wildcard address is no use to whoever reads the file from another machine.
    const wildcard = sim.host === '0.0.0.0' || sim.host === '::';
    const advertised = flags.advertiseHost ?? (wildcard ? hostname() : sim.host);
    await writeEndpointFile(flags.endpointFile, formatHostPort(advertised, sim.port));
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`aifb simulator: ${signal}, shutting down`);
    // close() destroys open sockets, so this is quick; the timer is a backstop.
    setTimeout(() => process.exit(0), 900).unref();
    sim.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return sim;
}

export function simulatorCommand(name = 'aifb-sim'): Command {
  return new Command(name)
    .description('OpenAI-compatible LLM server simulator with configurable timing (vLLM-style metrics)')
    .option('--host <host>', `address to bind (default ${DEFAULTS.host})`)
    .option('--port <port>', `port, 0 = any free port (default ${DEFAULTS.port})`, number)
    .option('--model <name>', `served model name (default ${DEFAULTS.model})`)
    .option('--ttft-ms <ms>', `mean time to first token (default ${DEFAULTS.ttftMs.mean})`, number)
    .option('--ttft-stdev-ms <ms>', 'TTFT standard deviation (default 0 = constant)', number)
    .option('--itl-ms <ms>', `mean delay per output token (default ${DEFAULTS.itlMs.mean})`, number)
    .option('--itl-stdev-ms <ms>', 'per-token delay standard deviation (default 0)', number)
    .option('--output-tokens <n>', `mean output length (default ${DEFAULTS.outputTokens.mean})`, number)
    .option('--output-tokens-stdev <n>', 'output length standard deviation (default 0)', number)
    .option('--tokens-per-chunk <k>', `tokens per SSE chunk (default ${DEFAULTS.tokensPerChunk})`, number)
    .option('--max-concurrency <n>', 'requests beyond this many queue (default: no limit)', number)
    .option('--seed <n>', `random seed (default ${DEFAULTS.seed})`, number)
    .option(
      '--precise-timing',
      'busy-wait the last 1.5 ms before each chunk so delays are exact (benchmarks)',
    )
    .option(
      '--timing-log <file>',
      'append one JSON line per request: x-request-id and when each chunk was written (benchmarks)',
    )
    .option('--endpoint-file <path>', 'after listening, atomically write host:port to this file')
    .option('--advertise-host <host>', 'host written to the endpoint file (default: bind host, or hostname)')
    .option('--config <file>', 'JSON file with startSimulator() options; flags override it')
    .action(async (flags: SimulatorFlags) => {
      await run(flags);
    });
}

/** Runs the simulator from a `process.argv`-shaped array; resolves once it is listening. */
export async function runSimulatorCli(argv: string[]): Promise<void> {
  await simulatorCommand().parseAsync(argv);
}
