/**
 * Renders job scripts from the templates beside this file. Recipe values only ever enter a
 * script through shellQuote; `Trusted` words are fragments written in this code base (e.g.
 * "$AIFB_JOB_DIR"/simulator.mjs) and never built from recipe text.
 */
import { readFileSync } from 'node:fs';
import { type JobRuntime, jobFiles, logShipFiles, programFile, serviceFiles } from '../core/jobs';
import { fillTemplate, shellQuote } from '../core/shell';

export interface Trusted {
  trusted: string;
}
export type Word = string | Trusted;

/**
 * The only shell fragments that are not quoted values: variables the executor sets for every
 * job. Kept here, in one place, so a reviewer sees every expansion a script can contain.
 */
export const jobShell = {
  node: { trusted: '"${AIFB_NODE:-node}"' },
  bindHost: { trusted: '"${AIFB_BIND_HOST:-0.0.0.0}"' },
  advertiseHost: { trusted: '"${AIFB_ADVERTISE_HOST:-$(hostname)}"' },
  /** The job's home folder (a recipe's `~/` paths start here, on the node that runs the job). */
  home: { trusted: '"$HOME"' },
  /** The service's port: fixed, or the free one the job picked (see {{port}} in service.sh.tmpl). */
  port: { trusted: '"$AIFB_PORT"' },
  /** A second port for a server that opens two (Qdrant's gRPC): the one after the service's. */
  nextPort: { trusted: '"$((AIFB_PORT + 1))"' },
  /** Apptainer images pulled for the cluster: one cache beside the benchmarks' folders. */
  imageCache: { trusted: '"${AIFB_IMAGE_CACHE:-$AIFB_JOB_DIR/../../.images}"' },
  /**
   * The words that start loadgen or the simulator: its uploaded executable alone (`sea`: no node
   * involved), or node and its uploaded bundle.
   */
  program(program: 'loadgen' | 'simulator', runtime: JobRuntime): Trusted[] {
    const file = jobShell.jobFile(programFile(program, runtime));
    return runtime === 'sea' ? [file] : [jobShell.node, file];
  },
  /** A file in the job's folder; `name` is checked against a safe alphabet. */
  jobFile(name: string): Trusted {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`unsafe job file name ${JSON.stringify(name)}`);
    return { trusted: `"$AIFB_JOB_DIR/${name}"` };
  },
} as const;

const templateDir = import.meta.dirname;
export const templates = {
  service: readFileSync(`${templateDir}/service.sh.tmpl`, 'utf8'),
  clients: readFileSync(`${templateDir}/clients.sh.tmpl`, 'utf8'),
  pull: readFileSync(`${templateDir}/pull.sh.tmpl`, 'utf8'),
};

/** The sidecar sampler (CPU/memory/GPU), uploaded into every service job's folder. */
export const samplerScript = `${templateDir}/${serviceFiles.sampler}`;
/** The facts script (CPU, memory, GPUs, Slurm ids), uploaded into every service and clients job. */
export const factsScript = `${templateDir}/${jobFiles.factsScript}`;

/**
 * Runs facts.sh in the background into facts-<task>.txt (tmp + rename: read whole or not at all);
 * `task` is trusted text (a number, or the clients script's "$index"). Absent script: nothing.
 */
function factsLine(task: string): string {
  const script = jobShell.jobFile(jobFiles.factsScript).trusted;
  const out = `"$AIFB_JOB_DIR/${jobFiles.facts(task)}"`;
  return `if [ -f ${script} ]; then { bash ${script} > ${out}.tmp 2>/dev/null; mv -f ${out}.tmp ${out}; } & fi`;
}

/** Service kind postgres: initdb and the server in the job's folder (see the script's header). */
export const postgresScript = `${templateDir}/${serviceFiles.postgresStart}`;

/** Job names go to Slurm, file names and logs: keep them to a safe alphabet. */
export const JOB_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

function renderWord(word: Word): string {
  return typeof word === 'string' ? shellQuote(word) : word.trusted;
}

/** One shell word made of quoted text and trusted fragments side by side (e.g. `--port="$AIFB_PORT"`). */
export function joinWords(...parts: Word[]): Trusted {
  return { trusted: parts.map((p) => (p === '' ? '' : renderWord(p))).join('') };
}

/** A path word: `~/x` becomes "$HOME"/x (a quoted `~` would not expand); others as they are. */
export function pathWord(path: string): Word {
  return path.startsWith('~/') ? joinWords(jobShell.home, path.slice(1)) : path;
}

/** An argument with `{port}` placeholders replaced by the job's port. */
export function withPort(arg: string): Word {
  if (!arg.includes('{port}')) return arg;
  const parts: Word[] = [];
  arg.split('{port}').forEach((text, i) => {
    if (i > 0) parts.push(jobShell.port);
    parts.push(text);
  });
  return joinWords(...parts);
}

/**
 * Finds a free TCP port on the node: not listening now (per /proc/net), below the kernel's
 * ephemeral range so outgoing connections do not take it later. Two jobs picking the same port
 * at the same instant is possible but unlikely (1 in 12000); the loser fails to bind and says so.
 */
const FREE_PORT = `aifb_free_port() {
  local listening p i
  listening=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" { n = split($2, a, ":"); print a[n] }')
  for i in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 12000 ))
    grep -qx "$(printf '%04X' "$p")" <<<"$listening" || { echo "$p"; return 0; }
  done
  return 1
}
AIFB_PORT=$(aifb_free_port) || { echo "aifb: found no free port on $(hostname)" >&2; exit 1; }
export AIFB_PORT`;

function sbatchLines(jobName: string, arraySize: number | undefined): string {
  if (!JOB_NAME_RE.test(jobName)) throw new Error(`unsafe job name: ${JSON.stringify(jobName)}`);
  const lines = [`#SBATCH --job-name=${jobName}`];
  if (arraySize !== undefined) lines.push(`#SBATCH --array=0-${arraySize - 1}`);
  return lines.join('\n');
}

/**
 * The in-job log shipper's start and stop (recipe `telemetry.directLokiUrl`, loadgen/log-ship.ts),
 * for a script that has set `index`. Off: `shipper` stays empty and both do nothing. Its own
 * messages go to logship-<i>.log, never into the output it ships. The stop waits until the
 * shipper is up (its state file: its signal handler is installed by then), asks for a last
 * pass with SIGUSR2 and waits at most 15 s; what it leaves, the worker's relay ships.
 */
export function logShipFragments(runtime: JobRuntime | undefined): { start: string; stop: string } {
  if (!runtime)
    return { start: 'shipper=""  # no log shipper: the worker relays this job\'s output', stop: '' };
  const program = jobShell
    .program('loadgen', runtime)
    .map((w) => w.trusted)
    .join(' ');
  const file = (name: string) => `"$AIFB_JOB_DIR/${name}"`;
  const state = file(logShipFiles.state('$index'));
  return {
    start: [
      "# Log shipper (recipe telemetry.directLokiUrl): pushes this task's stdout/stderr to Loki itself.",
      `${program} --ship-logs "$AIFB_JOB_DIR" --index "$index" </dev/null >>${file(logShipFiles.log('$index'))} 2>&1 &`,
      'shipper=$!',
    ].join('\n'),
    // In a group with no stderr: a cancel's SIGTERM killing one of its sleeps makes bash write
    // "Terminated" to the task's stderr after the shipper's last pass (a line left to the relay).
    stop: [
      "# The log shipper's last pass (bounded): what it leaves, the worker's relay ships.",
      'if [ -n "$shipper" ]; then {',
      `  for _ in $(seq 1 50); do [ -e ${state} ] || ! kill -0 "$shipper" && break; sleep 0.1; done`,
      '  kill -USR2 "$shipper"',
      '  for _ in $(seq 1 150); do kill -0 "$shipper" || break; sleep 0.1; done',
      '  kill -KILL "$shipper"',
      '} 2>/dev/null; fi',
    ].join('\n'),
  };
}

export interface ServiceScriptInput {
  jobName: string;
  env: Record<string, string>;
  argv: Word[];
  /**
   * How the endpoint gets known: `port` — the script writes `host:$AIFB_PORT` itself once the
   * process is started (`auto`: the script picks a free port first); `self` — the service
   * writes the endpoint file (it picks its port).
   */
  announce: { port: number | 'auto' } | 'self';
  /** Runs the log shipper beside the service, from the loadgen program of this runtime. */
  logShip?: JobRuntime;
}

export function renderServiceScript(input: ServiceScriptInput, template = templates.service): string {
  const environment = Object.entries(input.env)
    .map(([name, value]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad environment variable name ${name}`);
      return `export ${name}=${shellQuote(value)}`;
    })
    .join('\n');
  const announce =
    input.announce === 'self'
      ? '# the service announces its own endpoint (it chose a free port)'
      : [
          `printf '%s:%s\\n' "\${AIFB_ADVERTISE_HOST:-$(hostname)}" ${jobShell.port.trusted} > ${jobFiles.endpoint}.tmp`,
          `mv ${jobFiles.endpoint}.tmp ${jobFiles.endpoint}`,
        ].join('\n');
  const port =
    input.announce === 'self'
      ? '# the service picks its own port'
      : input.announce.port === 'auto'
        ? FREE_PORT
        : `export AIFB_PORT=${shellQuote(String(input.announce.port))}`;
  const ship = logShipFragments(input.logShip);
  return fillTemplate(template, {
    sbatch: sbatchLines(input.jobName, undefined),
    job_name: input.jobName,
    ship_start: ship.start,
    ship_stop: ship.stop,
    environment,
    port,
    launch: input.argv.map(renderWord).join(' '),
    announce,
    facts: factsLine('0'),
    sampler: jobShell.jobFile(serviceFiles.sampler).trusted,
    // Where the sampler writes: file names from core/jobs.ts, so readers and writer agree.
    sampler_files: [serviceFiles.proc, serviceFiles.gpu, serviceFiles.gpuAbsent]
      .map((name) => jobShell.jobFile(name).trusted)
      .join(' '),
  });
}

export interface ClientsScriptInput {
  jobName: string;
  clientCount: number;
  runtime: JobRuntime;
  /** Runs the log shipper beside each client. */
  logShip?: boolean;
}

export function renderClientsScript(input: ClientsScriptInput, template = templates.clients): string {
  const ship = logShipFragments(input.logShip ? input.runtime : undefined);
  return fillTemplate(template, {
    sbatch: sbatchLines(input.jobName, input.clientCount),
    job_name: input.jobName,
    ship_start: ship.start,
    ship_stop: ship.stop,
    facts: factsLine('$index'),
    program: jobShell
      .program('loadgen', input.runtime)
      .map((w) => w.trusted)
      .join(' '),
  });
}

export interface PullScriptInput {
  jobName: string;
  /** docker://, oras:// or library:// URI (recipe text: quoted). */
  image: string;
  /** The cache file name (core/service-kinds.ts imageFileName: a safe alphabet). */
  file: string;
}

export function renderPullScript(input: PullScriptInput, template = templates.pull): string {
  if (!/^[A-Za-z0-9._-]+\.sif$/.test(input.file)) throw new Error(`unsafe image file name ${input.file}`);
  return fillTemplate(template, {
    sbatch: sbatchLines(input.jobName, undefined),
    job_name: input.jobName,
    cache: jobShell.imageCache.trusted,
    file: shellQuote(input.file),
    image: shellQuote(input.image),
  });
}
