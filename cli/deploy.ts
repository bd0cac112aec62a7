/**
 * `aifb deploy up|down|list|status`: services that outlive benchmarks. A deployment runs on the
 * worker (`aifb dev` or `npm run worker`), never in this process: it must outlive the command.
 */
import Table from 'cli-table3';
import { Command } from 'commander';
import type { BenchmarkControl, DeploymentView } from '../control/types';
import { parseDeploymentRecipe } from '../core/deployment';
import { withControl } from './commands';
import { EXIT, ExitCode } from './exit';
import { loadValid } from './recipe-input';

const POLL_MS = 1000;
const time = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

/** Reads and validates a deployment recipe; prints every problem with its path and exits 2 when bad. */
const loadDeploymentRecipe = (file: string) => loadValid(file, parseDeploymentRecipe);

/** Polls until `done` holds; says once when no worker answers (nothing moves without one). */
async function pollUntil(
  control: BenchmarkControl,
  name: string,
  done: (v: DeploymentView) => boolean,
): Promise<DeploymentView> {
  let warned = false;
  for (;;) {
    const view = await control.deployment(name);
    if (done(view) || view.status !== 'running') return view;
    if (view.phase === null && !warned) {
      console.error('no worker answers yet: is `aifb dev` or `npm run worker` running?');
      warned = true;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function describe(v: DeploymentView): string {
  const where = v.endpoint ? ` at ${v.endpoint}` : '';
  const until = v.expiresAt && v.status === 'running' ? `, expires ${time(v.expiresAt)}` : '';
  return `deployment ${v.name} ${v.phase ?? v.status}${where}${until}${v.job ? ` (job ${v.job})` : ''}`;
}

/** A deployment that ended other than down: its failure on stderr, exit 1. */
function failIfNotDown(v: DeploymentView): void {
  if (v.phase === 'down' && v.status !== 'failed') return;
  console.error(`deployment ${v.name} ${v.phase ?? v.status}: ${v.failure ?? v.downReason ?? 'ended'}`);
  throw new ExitCode(EXIT.failure);
}

export function renderDeployments(views: DeploymentView[]): string {
  if (views.length === 0) return 'no deployments';
  const table = new Table({
    head: ['name', 'phase', 'endpoint', 'expires', 'benchmarks'],
    style: { head: [], border: [] },
  });
  for (const v of views) {
    table.push([
      v.name,
      v.phase ?? v.status,
      v.endpoint ?? '-',
      v.status === 'running' ? time(v.expiresAt) : '-',
      v.benchmarks.length ? v.benchmarks.join(', ') : '-',
    ]);
  }
  return table.toString();
}

export function deployCommand(): Command {
  const deploy = new Command('deploy').description(
    'services that outlive benchmarks: a recipe names one with `service: { deployment: NAME }`',
  );

  deploy
    .command('up')
    .description('start a deployment (name, target, service, deployment: { ttl }); one per name')
    .argument('<file>', 'deployment recipe (YAML or JSON)')
    .option('--wait', 'wait until it serves and print its endpoint (exit 1 if it fails first)')
    .action(async (file: string, o: { wait?: boolean }) => {
      const { input, recipe } = await loadDeploymentRecipe(file);
      await withControl(async (c) => {
        const started = await c.deployUp(input);
        if (!o.wait) {
          console.log(`${describe(started)}; \`aifb deploy list\` shows when it serves`);
          return;
        }
        const view = await pollUntil(c, recipe.name, (v) => v.phase === 'serving');
        if (view.phase !== 'serving') failIfNotDown(view);
        console.log(describe(view));
        if (view.phase !== 'serving') throw new ExitCode(EXIT.failure);
      });
    });

  deploy
    .command('down')
    .description('take a deployment down and wait until its teardown is done')
    .argument('<name>', 'deployment name')
    .option('--reason <text>', 'recorded as why it went down')
    .action(async (name: string, o: { reason?: string }) => {
      await withControl(async (c) => {
        await c.deployDown(name, o.reason);
        const view = await pollUntil(c, name, () => false);
        failIfNotDown(view);
        console.log(`deployment ${name} down (${view.downReason ?? 'done'})`);
      });
    });

  deploy
    .command('list')
    .description('deployments: name, phase, endpoint, expiry, the benchmarks that used them')
    .option('--json', 'print them as JSON')
    .action(async (o: { json?: boolean }) => {
      const views = await withControl((c) => c.listDeployments());
      console.log(o.json ? JSON.stringify(views, null, 2) : renderDeployments(views));
    });

  deploy
    .command('status')
    .description('one deployment')
    .argument('<name>', 'deployment name')
    .option('--json', 'print it as JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const view = await withControl((c) => c.deployment(name));
      console.log(o.json ? JSON.stringify(view, null, 2) : describe(view));
    });
  return deploy;
}
