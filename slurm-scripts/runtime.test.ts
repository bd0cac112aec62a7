import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobRuntime } from '../core/jobs';
import { parseRecipe } from '../core/recipe';
import { serviceLaunch } from '../services/launch';
import { renderClientsScript, renderServiceScript } from './render';

/** A fake program that writes how it was called ($0 and argv, one a line) into the job folder. */
const RECORDER = '#!/bin/bash\nprintf "%s\\n" "$(basename "$0")" "$@" > "$AIFB_JOB_DIR/seen"\n';

function fake(path: string, text: string) {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/** Runs a rendered script in a fresh job folder; `node` on PATH fails loudly (and says so in a file). */
function run(script: string, setup: (dir: string) => Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'aifb-runtime-'));
  const shim = join(dir, 'shim');
  mkdirSync(shim);
  fake(join(shim, 'node'), `#!/bin/bash\necho called > "${dir}/node-called"\nexit 97\n`);
  writeFileSync(join(dir, 'job.sh'), script);
  const syntax = spawnSync('bash', ['-n', 'job.sh'], { cwd: dir, encoding: 'utf8' });
  expect(syntax.stderr).toBe('');
  const env = setup(dir);
  const result = spawnSync('bash', ['job.sh'], {
    cwd: dir,
    env: { PATH: `${shim}:/usr/bin:/bin`, AIFB_JOB_DIR: dir, AIFB_TASK_INDEX: '2', ...env },
    encoding: 'utf8',
  });
  const seen = readFileSync(join(dir, 'seen'), 'utf8').trim().split('\n');
  return { dir, result, seen, nodeCalled: spawnSync('test', ['-e', join(dir, 'node-called')]).status === 0 };
}

describe('clients script per runtime', () => {
  it('sea: runs the uploaded executable itself; no node anywhere in the script', () => {
    const script = renderClientsScript({ jobName: 'bench-x-clients', clientCount: 3, runtime: 'sea' });
    expect(script).not.toMatch(/node/i);
    const { dir, result, seen, nodeCalled } = run(script, (d) => {
      fake(join(d, 'aifb-loadgen'), RECORDER);
      return {};
    });
    expect(result.status).toBe(0);
    expect(nodeCalled).toBe(false);
    // One process per client serving every stage from the job folder.
    expect(seen).toEqual(['aifb-loadgen', '--serve', dir, '--index', '2']);
  });

  it('node: runs $AIFB_NODE on the uploaded bundle', () => {
    const script = renderClientsScript({ jobName: 'bench-x-clients', clientCount: 3, runtime: 'node' });
    const { dir, result, seen } = run(script, (d) => {
      fake(join(d, 'site-node'), RECORDER);
      return { AIFB_NODE: join(d, 'site-node') };
    });
    expect(result.status).toBe(0);
    expect(seen.slice(0, 3)).toEqual(['site-node', `${dir}/loadgen.mjs`, '--serve']);
  });
});

describe('simulator service per runtime', () => {
  const launch = (runtime: JobRuntime) => {
    const parsed = parseRecipe({
      name: 'rt',
      target: {
        executor: 'slurm',
        slurm: { host: 'login', user: 'u', identityFile: '~/.ssh/id', workdir: '~/aifb', runtime },
      },
      service: { kind: 'simulator' },
      workload: { kind: 'openai-chat', stages: [{ mode: 'synchronous', duration: '5s' }] },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const { service } = parsed.recipe;
    if (service.kind === 'deployment') throw new Error('not a deployment');
    const l = serviceLaunch(service, `/dist/${runtime}-program`, parsed.recipe);
    return { ...l, script: renderServiceScript({ jobName: 'bench-rt-service', ...l }) };
  };

  it('sea (the default) uploads aifb-simulator and starts it without node', () => {
    const l = launch('sea');
    expect(l.uploads).toEqual({ 'aifb-simulator': '/dist/sea-program' });
    expect(l.script).not.toMatch(/node/i);
    const { dir, result, seen, nodeCalled } = run(l.script, (d) => {
      fake(join(d, 'aifb-simulator'), RECORDER);
      return {};
    });
    expect(result.stderr).toContain('service exited with status 0');
    expect(nodeCalled).toBe(false);
    expect(seen.slice(0, 3)).toEqual(['aifb-simulator', '--config', `${dir}/simulator-config.json`]);
  });

  it('node uploads simulator.mjs and starts it with $AIFB_NODE', () => {
    const l = launch('node');
    expect(l.uploads).toEqual({ 'simulator.mjs': '/dist/node-program' });
    const { dir, seen } = run(l.script, (d) => {
      fake(join(d, 'site-node'), RECORDER);
      return { AIFB_NODE: join(d, 'site-node') };
    });
    expect(seen.slice(0, 3)).toEqual(['site-node', `${dir}/simulator.mjs`, '--config']);
  });
});

/**
 * A fake loadgen that is also the log shipper: as `--ship-logs` it writes its state file,
 * says something (which must not land in the job's output) and waits for SIGUSR2.
 */
const LOADGEN_AND_SHIPPER = `#!/bin/bash
if [ "$1" = --ship-logs ]; then
  trap 'echo stop >> "$AIFB_JOB_DIR/events"; exit 0' USR2
  printf "%s\\n" "$@" > "$AIFB_JOB_DIR/ship-args"
  echo '{}' > "$AIFB_JOB_DIR/logship-$4.json"
  echo "shipper chatter"
  while :; do sleep 0.05; done
fi
printf "%s\\n" "$(basename "$0")" "$@" > "$AIFB_JOB_DIR/seen"
echo served >> "$AIFB_JOB_DIR/events"
echo "client output"
`;

describe('scripts with the log shipper (telemetry.directLokiUrl)', () => {
  it('clients: the shipper runs beside loadgen and gets its stop after loadgen exited', () => {
    const script = renderClientsScript({
      jobName: 'bench-x-clients',
      clientCount: 3,
      runtime: 'sea',
      logShip: true,
    });
    expect(script).not.toMatch(/node/i);
    const { dir, result, seen } = run(script, (d) => {
      fake(join(d, 'aifb-loadgen'), LOADGEN_AND_SHIPPER);
      return {};
    });
    expect(result.status).toBe(0);
    expect(seen).toEqual(['aifb-loadgen', '--serve', dir, '--index', '2']);
    const read = (name: string) => readFileSync(join(dir, name), 'utf8').trim().split('\n');
    expect(read('ship-args')).toEqual(['--ship-logs', dir, '--index', '2']);
    expect(read('events')).toEqual(['served', 'stop']);
    expect(read('logship-2.log')).toEqual(['shipper chatter']);
    expect(result.stdout).toBe('client output\n');
  });

  it('service: the shipper (node runtime) stops after the exit line is written', () => {
    const script = renderServiceScript({
      jobName: 'bench-x-service',
      env: {},
      argv: [
        'bash',
        '-c',
        'echo up; printf "%s\\n" "$0" > "$AIFB_JOB_DIR/seen"; echo served >> "$AIFB_JOB_DIR/events"',
      ],
      announce: { port: 'auto' },
      logShip: 'node',
    });
    const { dir, result } = run(script, (d) => {
      fake(join(d, 'site-node'), `#!/bin/bash\nshift\n${LOADGEN_AND_SHIPPER.replace('#!/bin/bash\n', '')}`);
      return { AIFB_NODE: join(d, 'site-node') };
    });
    const read = (name: string) => readFileSync(join(dir, name), 'utf8').trim().split('\n');
    expect(read('ship-args')).toEqual(['--ship-logs', dir, '--index', '2']);
    expect(read('events')).toEqual(['served', 'stop']);
    expect(result.stdout).toBe('up\n');
    expect(result.stderr).toContain('service exited with status 0');
  });

  it("a cancel during the shipper's stop writes nothing to the task's output after the last pass", () => {
    // The cancel's SIGTERM reaches the whole job (its own process group here, by setsid) while
    // the script waits for the shipper: bash must not report the killed sleep on stderr.
    const script = renderClientsScript({
      jobName: 'bench-x-clients',
      clientCount: 3,
      runtime: 'sea',
      logShip: true,
    });
    const dir = mkdtempSync(join(tmpdir(), 'aifb-runtime-'));
    writeFileSync(join(dir, 'job.sh'), script);
    fake(
      join(dir, 'aifb-loadgen'),
      `#!/bin/bash
if [ "$1" = --ship-logs ]; then
  trap '' TERM
  trap 'kill -TERM 0; sleep 0.5; exit 0' USR2
  echo '{}' > "$AIFB_JOB_DIR/logship-$4.json"
  while :; do sleep 0.05; done
fi
echo "client output"
`,
    );
    const result = spawnSync('setsid', ['bash', 'job.sh'], {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin', AIFB_JOB_DIR: dir, AIFB_TASK_INDEX: '2' },
      encoding: 'utf8',
    });
    expect(result.stdout).toBe('client output\n');
    expect(result.stderr).toBe('');
  });

  it('off: the clients script execs loadgen as before', () => {
    const script = renderClientsScript({ jobName: 'bench-x-clients', clientCount: 3, runtime: 'sea' });
    expect(script).not.toContain('--ship-logs');
    expect(script).toMatch(/^ {2}exec "\$AIFB_JOB_DIR\/aifb-loadgen" --serve/m);
  });
});
