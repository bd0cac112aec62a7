/**
 * Renders job scripts from the templates beside this file. Recipe values only ever enter a
 * script through shellQuote; `Trusted` words are fragments written in this code base (e.g.
 * "$AIFB_JOB_DIR"/simulator.mjs) and never built from recipe text.
 */
import { readFileSync } from 'node:fs';
import { jobFiles, loadgenFiles, serviceFiles } from '../core/jobs';
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
};

/** The sidecar sampler (CPU/memory/GPU), uploaded into every service job's folder. */
export const samplerScript = `${templateDir}/${serviceFiles.sampler}`;

/** Job names go to Slurm, file names and logs: keep them to a safe alphabet. */
export const JOB_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

function renderWord(word: Word): string {
  return typeof word === 'string' ? shellQuote(word) : word.trusted;
}

function sbatchLines(jobName: string, arraySize: number | undefined): string {
  if (!JOB_NAME_RE.test(jobName)) throw new Error(`unsafe job name: ${JSON.stringify(jobName)}`);
  const lines = [`#SBATCH --job-name=${jobName}`];
  if (arraySize !== undefined) lines.push(`#SBATCH --array=0-${arraySize - 1}`);
  return lines.join('\n');
}

export interface ServiceScriptInput {
  jobName: string;
  env: Record<string, string>;
  argv: Word[];
  /**
   * How the endpoint gets known: `port` — the script writes `host:port` itself once the
   * process is started; `self` — the service writes the endpoint file (it picks its port).
   */
  announce: { port: number } | 'self';
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
          `printf '%s:%s\\n' "\${AIFB_ADVERTISE_HOST:-$(hostname)}" ${shellQuote(String(input.announce.port))} > ${jobFiles.endpoint}.tmp`,
          `mv ${jobFiles.endpoint}.tmp ${jobFiles.endpoint}`,
        ].join('\n');
  return fillTemplate(template, {
    sbatch: sbatchLines(input.jobName, undefined),
    job_name: input.jobName,
    environment,
    launch: input.argv.map(renderWord).join(' '),
    announce,
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
}

export function renderClientsScript(input: ClientsScriptInput, template = templates.clients): string {
  return fillTemplate(template, {
    sbatch: sbatchLines(input.jobName, input.clientCount),
    job_name: input.jobName,
    node: jobShell.node.trusted,
    bundle: jobShell.jobFile(loadgenFiles.bundle).trusted,
    config: jobShell.jobFile(loadgenFiles.config).trusted,
  });
}
