/**
 * Checks a recipe can launch on this machine before anything is submitted: the program (or
 * apptainer and the image) exists, and a llama.cpp model file is there. Only for the local
 * executor: a Slurm target's files live on the cluster.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
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
  const program = service.kind === 'command' ? service.command[0]! : service.binary;
  if (service.image) {
    if (!resolveExecutable('apptainer')) problems.push('service.image: apptainer is not on PATH');
    if (!isImageUri(service.image) && !existsSync(expandHome(service.image)))
      problems.push(`service.image: ${service.image} does not exist`);
    return problems;
  }
  // The llama.cpp example's files come from `make llm`: say so where they are missing.
  const hint = (path: string) =>
    path.includes('/aifb/llm/')
      ? ' (`make llm` builds and fetches it)'
      : path.includes('/aifb/chroma/')
        ? ' (`make chroma` installs it)'
        : '';
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
