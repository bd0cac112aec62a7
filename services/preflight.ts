/**
 * Checks a recipe can launch on this machine before anything is submitted: the program (or
 * apptainer and the image) exists, and a llama.cpp model file is there. Only for the local
 * executor: a Slurm target's files live on the cluster.
 */
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { ServiceSpec } from '../core/recipe';
import { isImageUri } from '../core/service-kinds';

/** The executable `name` resolves to (a path, or a name searched on PATH); null when none. */
export function resolveExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  const candidates = name.includes('/')
    ? [name]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here: try the next
    }
  }
  return null;
}

const expandHome = (p: string) => (p.startsWith('~/') ? join(process.env.HOME ?? '', p.slice(2)) : p);

/** What stops this recipe's service from launching here, one sentence each; [] when nothing. */
export function localProblems(service: ServiceSpec): string[] {
  if (service.kind === 'simulator' || service.kind === 'external') return [];
  const problems: string[] = [];
  if (service.image) {
    if (!resolveExecutable('apptainer')) problems.push('service.image: apptainer is not on PATH');
    if (!isImageUri(service.image) && !existsSync(expandHome(service.image)))
      problems.push(`service.image: ${service.image} does not exist`);
    return problems;
  }
  if (service.kind === 'postgres') {
    const dir = service.binDir ? expandHome(service.binDir) : postgresBinDir();
    const where = service.binDir ? `service.binDir: ${service.binDir}` : 'service.binDir';
    if (dir === null)
      problems.push(
        `${where}: no PostgreSQL server found (on PATH or in /usr/lib/postgresql/*/bin): install Debian's postgresql or give binDir`,
      );
    else
      for (const program of ['initdb', 'postgres'])
        if (!resolveExecutable(join(dir, program)))
          problems.push(`${where}: ${dir}/${program} is not an executable file`);
    return problems;
  }
  const program = service.kind === 'command' ? service.command[0]! : service.binary;
  // The llama.cpp example's files come from `make llm`: say so where they are missing.
  const hint = (path: string) => (path.includes('/aifb/llm/') ? ' (`make llm` builds and fetches it)' : '');
  if (!resolveExecutable(expandHome(program))) {
    const field = service.kind === 'command' ? 'service.command.0' : 'service.binary';
    problems.push(
      `${field}: ${program} is not ${program.includes('/') ? 'an executable file' : 'an executable on PATH'}${hint(program)}`,
    );
  }
  if (service.kind === 'llamacpp') {
    const model = expandHome(service.model);
    if (isAbsolute(model) || model.startsWith('.')) {
      if (!existsSync(model)) problems.push(`service.model: ${service.model} does not exist${hint(model)}`);
    }
  }
  return problems;
}

/**
 * Where postgres.sh will find the server when the recipe names no binDir (the same order, less
 * `pg_config`, which lives beside it in the Debian and module layouts alike); null: nowhere.
 */
export function postgresBinDir(
  path = process.env.PATH ?? '',
  debianRoot = '/usr/lib/postgresql',
): string | null {
  const onPath = resolveExecutable('postgres', path);
  if (onPath) return dirname(onPath);
  let versions: string[] = [];
  try {
    versions = readdirSync(debianRoot).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    return null;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions)
    if (resolveExecutable(join(debianRoot, v, 'bin', 'postgres'))) return join(debianRoot, v, 'bin');
  return null;
}
