/**
 * Command line of the bundled load generator:
 *   node loadgen.mjs --config <dir>/loadgen-config.json [--index <i>] [--out <dir>]
 * Exit 0 when the run completed (failed requests included), 2 on bad arguments or config,
 * 1 on an unexpected crash. SIGTERM/SIGINT end the run early but normally (exit 0).
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { LoadgenConfig } from '../core/loadgen-protocol';
import { parseLoadgenConfig } from './config';
import { runLoadgen } from './runner';

class UsageError extends Error {}

export interface CliArgs {
  config: LoadgenConfig;
  clientIndex: number;
  outDir: string;
  configDir: string;
}

/** Parses argv (as in process.argv) and reads + validates the config; throws UsageError. */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  const cmd = new Command('loadgen')
    .description('aifb load generator (one client of one stage)')
    .requiredOption('--config <file>', 'loadgen-config.json written by the worker')
    .option('--index <i>', 'client index (default: $AIFB_CLIENT_INDEX)')
    .option('--out <dir>', 'folder for progress-<i>.jsonl and result-<i>.json (default: the config folder)')
    .exitOverride()
    .configureOutput({ writeErr: () => {} }); // errors are reported once, by the caller
  try {
    cmd.parse(argv);
  } catch (err) {
    if (err instanceof CommanderError && err.code === 'commander.helpDisplayed') throw err;
    throw new UsageError((err as Error).message);
  }
  const o = cmd.opts<{ config: string; index?: string; out?: string }>();
  const rawIndex = o.index ?? env.AIFB_CLIENT_INDEX;
  if (rawIndex === undefined)
    throw new UsageError('client index missing: pass --index or set AIFB_CLIENT_INDEX');
  if (!/^\d+$/.test(rawIndex.trim()))
    throw new UsageError(`client index must be a non-negative integer, got "${rawIndex}"`);
  const clientIndex = Number(rawIndex);

  let json: unknown;
  try {
    json = JSON.parse(readFileSync(o.config, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read config ${o.config}: ${(err as Error).message}`);
  }
  let config: LoadgenConfig;
  try {
    config = parseLoadgenConfig(json);
  } catch (err) {
    throw new UsageError(`${o.config}: ${(err as Error).message}`);
  }
  if (clientIndex >= config.clientCount) {
    throw new UsageError(`client index ${clientIndex} out of range: clientCount is ${config.clientCount}`);
  }
  return { config, clientIndex, outDir: o.out ?? dirname(o.config), configDir: dirname(o.config) };
}

/** Runs the CLI and returns the exit code (main.ts passes it to process.exit). */
export async function runLoadgenCli(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.stdout.write(err.message === '(outputHelp)' ? '' : `${err.message}\n`);
      return 0;
    }
    process.stderr.write(`loadgen: ${(err as Error).message}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  // `on`, not `once`: a cancel may deliver TERM more than once (to the group and to the
  // process); a second TERM must not kill us before the result file is written.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await runLoadgen(args.config, {
      clientIndex: args.clientIndex,
      outDir: args.outDir,
      configDir: args.configDir,
      signal: stop.signal,
    });
    return 0;
  } catch (err) {
    process.stderr.write(`loadgen ${args.clientIndex}: crashed: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
