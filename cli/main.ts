/** The `aifb` command line. Exit codes (cli/exit.ts): 0 ok, 1 failure, 2 bad input, 130 cancelled. */
import { Command, CommanderError } from 'commander';
import { ControlError } from '../control/types';
import { CONTROL_ERRORS } from '../core/failures';
import { loadConfig } from '../core/node/config';
import { PathEscapeError } from '../core/node/safe-path';
import { simulatorCommand } from '../simulator/cli';
import { addControlCommands } from './commands';
import { deployCommand } from './deploy';
import { EXIT, ExitCode } from './exit';
import { loadValidRecipe } from './recipe-input';
import { scheduleCommand } from './schedule';

export { EXIT } from './exit';

function port(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name}: not a port: ${value}`);
    throw new ExitCode(EXIT.badInput);
  }
  return n;
}

export function buildProgram(): Command {
  const program = new Command('aifb')
    .description(
      'Benchmark AI Factory components (LLM servers, vector DBs, HTTP services) on Slurm, durably, on Temporal',
    )
    .showHelpAfterError()
    .exitOverride();

  program
    .command('validate')
    .description('check a recipe; exit 0 when valid, 2 with every problem listed when not')
    .argument('<file>', 'recipe (YAML or JSON)')
    .action(async (file: string) => {
      const { recipe } = await loadValidRecipe(file);
      // What the schema cannot know: whether the program and model exist on this machine.
      if (recipe.target.executor === 'local' && recipe.service.kind !== 'deployment') {
        const { localProblems } = await import('../services/preflight');
        const problems = localProblems(recipe.service);
        if (problems.length > 0) {
          console.error(
            `${file}: cannot launch here (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
          );
          for (const p of problems) console.error(`  - ${p}`);
          throw new ExitCode(EXIT.badInput);
        }
      }
      const stages = recipe.workload.stages.length;
      const service =
        recipe.service.kind === 'deployment'
          ? `deployment ${recipe.service.deployment}`
          : recipe.service.kind;
      // Sweeps and searches make their stages as they run: say what they are.
      const made = recipe.workload.stages
        .filter((s) => s.mode === 'sweep' || s.mode === 'capacity-search')
        .map((s) =>
          s.mode === 'capacity-search' ? `a capacity search of up to ${s.maxProbes} probes` : 'a sweep',
        );
      const repeat = recipe.workload.repeat.count > 1 ? `, ${recipe.workload.repeat.count} times` : '';
      console.log(
        `${file}: ok — ${recipe.name}: ${service} on ${recipe.target.executor}, ${stages} stage${stages === 1 ? '' : 's'}${made.length ? ` (${made.join(', ')})` : ''}${repeat}, ${recipe.workload.clients.count} client(s)`,
      );
    });

  program
    .command('run')
    .description(
      'run a benchmark and print its results (starts the embedded Temporal dev server when none is configured)',
    )
    .argument('<file>', 'recipe (YAML or JSON)')
    .option('--watch', 'show live progress while it runs (the default)')
    .option('--detach', 'start it, print its id and return')
    .option('--json', 'print the summary as JSON instead of a table')
    .option('--refs <file>', "references to judge the run against, added to the recipe's own (YAML/JSON)")
    .action(async (file: string, opts: { detach?: boolean; json?: boolean; refs?: string }) => {
      const { input } = await loadValidRecipe(file, opts.refs);
      const { runBenchmark } = await import('./run');
      const code = await runBenchmark(loadConfig(), input, {
        detach: !!opts.detach,
        json: !!opts.json,
      });
      if (code !== 0) throw new ExitCode(code);
    });

  addControlCommands(program);
  program.addCommand(scheduleCommand());
  program.addCommand(deployCommand());

  program
    .command('dev')
    .description('run the embedded stack (Temporal dev server + Web UI + worker + HTTP API) until Ctrl-C')
    .option('--port <port>', 'Temporal frontend port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('--api-port <port>', 'HTTP API port', '8080')
    .action(async (opts: { port: string; uiPort: string; apiPort: string }) => {
      const { runDev } = await import('./dev');
      await runDev(loadConfig(), {
        port: port('--port', opts.port),
        uiPort: port('--ui-port', opts.uiPort),
        apiPort: port('--api-port', opts.apiPort),
      });
    });

  program
    .command('api')
    .description('run the HTTP API alone, against the configured Temporal server (needs AIFB_API_TOKEN)')
    .option('--host <host>', 'address to bind (AIFB_API_HOST)')
    .option('--port <port>', 'port (AIFB_API_PORT, default 8080)')
    .action(async (opts: { host?: string; port?: string }) => {
      const { runApi } = await import('./api');
      await runApi(loadConfig(), {
        ...(opts.host ? { host: opts.host } : {}),
        ...(opts.port ? { port: port('--port', opts.port) } : {}),
      });
    });

  program
    .command('worker')
    .description(
      'run a worker against the configured Temporal server until SIGINT/SIGTERM (as `npm run worker`)',
    )
    .action(async () => {
      // The entry point runs the worker at import and returns once it has shut down.
      await import('../workers/main');
    });

  program.addCommand(simulatorCommand('sim'));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ExitCode) return err.code;
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (err instanceof ControlError) {
      // A wrong id or a bad request is the caller's input (exit 2); the rest is a failure.
      console.error(`aifb: ${err.message}`);
      return CONTROL_ERRORS[err.kind].exitCode;
    }
    console.error(`aifb: ${err instanceof Error ? err.message : String(err)}`);
    return err instanceof PathEscapeError ? EXIT.badInput : EXIT.failure;
  }
}
