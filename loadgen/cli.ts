/**
 * Command line of the bundled load generator:
 *   node loadgen.mjs --serve <job dir> [--index <i>]     every stage of a clients job (serve.ts)
 *   node loadgen.mjs --config <file> [--index <i>] [--out <dir>]   one stage, now
 *   node loadgen.mjs --ship-logs <job dir> --index <i>   the task's log shipper (log-ship.ts)
 * Exit 0 when the run completed (failed requests included), 2 on bad arguments or config,
 * 1 on an unexpected crash. SIGTERM/SIGINT end the run early but normally (exit 0).
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { LoadgenConfig } from '../core/loadgen-protocol';
import { parseLoadgenConfig } from './config';
import { runLogShipCli } from './log-ship';
import { runLoadgen } from './runner';
import { serveStages } from './serve';

class UsageError extends Error {}

export interface CliArgs {
  config: LoadgenConfig;
  clientIndex: number;
  outDir: string;
  configDir: string;
}

export interface ServeArgs {
  serve: string;
  clientIndex: number;
}

export interface ShipLogsArgs {
  shipLogs: string;
  clientIndex: number;
}

function clientIndexOf(raw: string | undefined): number {
  if (raw === undefined) throw new UsageError('client index missing: pass --index or set AIFB_CLIENT_INDEX');
  if (!/^\d+$/.test(raw.trim()))
    throw new UsageError(`client index must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

/** Parses argv (as in process.argv) and reads + validates the config; throws UsageError. */
export function parseCliArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): CliArgs | ServeArgs | ShipLogsArgs {
  const cmd = new Command('loadgen')
    .description('aifb load generator (one client: of every stage of a job, or of one stage)')
    .option('--serve <dir>', "a clients job's folder: run its stages as the worker writes them")
    .option('--config <file>', 'a stage config (LoadgenConfig JSON): run it once, now')
    .option('--ship-logs <dir>', "a job's folder: push task <i>'s stdout/stderr to Loki (logship.json)")
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
  const o = cmd.opts<{ serve?: string; config?: string; shipLogs?: string; index?: string; out?: string }>();
  const clientIndex = clientIndexOf(o.index ?? env.AIFB_CLIENT_INDEX);
  if (o.shipLogs !== undefined) return { shipLogs: o.shipLogs, clientIndex };
  if (o.serve !== undefined) return { serve: o.serve, clientIndex };
  if (o.config === undefined) throw new UsageError('pass --serve <job dir> or --config <file>');

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
  let args: CliArgs | ServeArgs | ShipLogsArgs;
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
  // A sidecar with its own signals: it must outlive the TERM that stops the task's program.
  if ('shipLogs' in args) return runLogShipCli(args.shipLogs, args.clientIndex);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  // `on`, not `once`: a cancel may deliver TERM more than once (to the group and to the
  // process); a second TERM must not kill us before the result file is written.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    if ('serve' in args) {
      await serveStages({ clientIndex: args.clientIndex, dir: args.serve, signal: stop.signal });
      return 0;
    }
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
