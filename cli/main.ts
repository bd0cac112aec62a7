/** The `aifb` command line. Exit codes: 0 ok, 1 failure, 2 bad input, 130 interrupted. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { loadConfig, paths } from '../core/config';
import { formatIssues, parseRecipe } from '../core/recipe';
import { RecipeFileError, readRecipeFile } from '../core/recipe-file';
import type { BenchmarkSummary } from '../core/summary';
import { simulatorCommand } from '../simulator/cli';
import { renderResultsTable } from './table';

export const EXIT = { ok: 0, failure: 1, badInput: 2 } as const;

class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Reads and validates a recipe file; prints every problem and exits 2 when it is bad. */
async function loadValidRecipe(file: string) {
  try {
    const input = await readRecipeFile(file);
    const parsed = parseRecipe(input);
    if (!parsed.ok) {
      console.error(`${file}: ${formatIssues(parsed.issues)}`);
      throw new ExitCode(EXIT.badInput);
    }
    return { input, recipe: parsed.recipe };
  } catch (err) {
    if (err instanceof RecipeFileError) {
      console.error(err.message);
      throw new ExitCode(EXIT.badInput);
    }
    throw err;
  }
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
      const stages = recipe.workload.stages.length;
      console.log(
        `${file}: ok — ${recipe.name}: ${recipe.service.kind} on ${recipe.target.executor}, ${stages} stage${stages === 1 ? '' : 's'}, ${recipe.workload.clients.count} client(s)`,
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
    .action(async (file: string, opts: { detach?: boolean; json?: boolean }) => {
      const { input, recipe } = await loadValidRecipe(file);
      const { runBenchmark } = await import('./run');
      const code = await runBenchmark(loadConfig(), input, recipe, {
        detach: !!opts.detach,
        json: !!opts.json,
      });
      if (code !== 0) throw new ExitCode(code);
    });

  program
    .command('results')
    .description('print the results of a finished benchmark')
    .argument('<id>', 'benchmark id (bench-<name>-<suffix>)')
    .option('--format <format>', 'table | json | csv', 'table')
    .action(async (id: string, opts: { format: string }) => {
      const dir = paths.results(loadConfig(), id);
      if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new ExitCode(EXIT.badInput);
      const file = opts.format === 'csv' ? 'results.csv' : 'summary.json';
      const text = await readFile(join(dir, file), 'utf8').catch(() => undefined);
      if (text === undefined) {
        console.error(`no results for ${id} in ${dir}`);
        throw new ExitCode(EXIT.failure);
      }
      if (opts.format === 'table') console.log(renderResultsTable(JSON.parse(text) as BenchmarkSummary));
      else process.stdout.write(text);
    });

  program
    .command('dev')
    .description('run the embedded stack (Temporal dev server + Web UI + worker) until Ctrl-C')
    .option('--port <port>', 'Temporal frontend port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .action(async (opts: { port: string; uiPort: string }) => {
      const { runDev } = await import('./dev');
      await runDev(loadConfig(), Number(opts.port), Number(opts.uiPort));
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
    console.error(`aifb: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failure;
  }
}
