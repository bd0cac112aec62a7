/**
 * docker-compose.yml as Docker Compose reads it: YAML with merge keys, `.env` variables
 * interpolated (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$), and
 * the Dockerfile's ENTRYPOINT/ENV/WORKDIR for services built from it. Lets the deploy tests run
 * aifb's own services outside containers with exactly the commands and environment the file
 * gives them, after mapping only what a container changes: other services' host names (to
 * loopback ports) and paths inside the container (to folders on this machine).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../core/node/config';

export const COMPOSE_FILE = join(repoRoot, 'docker-compose.yml');
export const ENV_EXAMPLE = join(repoRoot, '.env.example');

/** KEY=VALUE lines of an env file (comments and blank lines skipped). */
export function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${path}: not KEY=VALUE: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

const VAR = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Compose interpolation of one string; throws on ${VAR:?message} like `docker compose config`. */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(VAR, (match, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare) as string;
    const value = vars[name];
    const unset = value === undefined;
    const empty = unset || value === '';
    switch (op) {
      case ':-':
        return empty ? (arg ?? '') : (value as string);
      case '-':
        return unset ? (arg ?? '') : (value as string);
      case ':?':
        if (empty) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return value as string;
      case '?':
        if (unset) throw new Error(`required variable ${name} is missing: ${arg}`);
        return value as string;
      default:
        return value ?? '';
    }
  });
}

function interpolateDeep(value: unknown, vars: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, vars));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, vars)]));
  }
  return value;
}

/** The file as parsed (merge keys resolved), before interpolation: what the schema sees first. */
export function composeRaw(): Record<string, unknown> {
  return parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as Record<string, unknown>;
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

export interface ComposeModel {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/** The file after interpolation with `vars` (the .env), as Compose would run it. */
export function composeModel(vars: Record<string, string | undefined>): ComposeModel {
  return interpolateDeep(composeRaw(), vars) as ComposeModel;
}

export interface Dockerfile {
  entrypoint: string[];
  workdir: string;
  env: Record<string, string>;
  user: string;
  from: string[];
  healthcheck: string | null;
}

/** The final stage's ENTRYPOINT, WORKDIR, ENV and USER, and every FROM (ARG defaults expanded). */
export function readDockerfile(): Dockerfile {
  const text = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const args: Record<string, string> = {};
  const out: Dockerfile = {
    entrypoint: [],
    workdir: '/',
    env: {},
    user: 'root',
    from: [],
    healthcheck: null,
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const [word, ...rest] = line.split(/\s+/);
    const body = rest.join(' ');
    switch (word) {
      case 'ARG': {
        const [k, v] = body.split('=');
        if (k && v) args[k] = v;
        break;
      }
      case 'FROM':
        out.from.push(interpolate(body.split(/\s+/)[0] as string, args));
        out.env = {};
        out.user = 'root';
        break;
      case 'WORKDIR':
        out.workdir = body;
        break;
      case 'USER':
        out.user = body;
        break;
      case 'ENTRYPOINT':
        out.entrypoint = JSON.parse(body) as string[];
        break;
      case 'HEALTHCHECK':
        out.healthcheck = body;
        break;
      case 'ENV':
        for (const m of body.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) out.env[m[1] as string] = m[2] as string;
        break;
    }
  }
  return out;
}

/** A service's bind and volume mounts as container path → source. */
export function mounts(service: ComposeService): Map<string, { source: string; readOnly: boolean }> {
  const out = new Map<string, { source: string; readOnly: boolean }>();
  for (const v of service.volumes ?? []) {
    if (typeof v === 'string') {
      const [source, target, mode] = v.split(':') as [string, string, string | undefined];
      out.set(target, { source, readOnly: mode === 'ro' });
    } else {
      out.set(v.target, { source: v.source, readOnly: v.read_only === true });
    }
  }
  return out;
}

/** `host:port` references to other services inside a value (URLs or plain addresses). */
export function serviceRefs(value: string, services: string[]): { service: string; port: number }[] {
  const refs: { service: string; port: number }[] = [];
  for (const m of value.matchAll(/(?:^|\/\/|@)([a-z][a-z0-9-]*):(\d+)/g)) {
    if (services.includes(m[1] as string)) refs.push({ service: m[1] as string, port: Number(m[2]) });
  }
  return refs;
}

/** .env.example with the secrets a user fills in. */
export const testVars = (): Record<string, string> => ({
  ...readEnvFile(ENV_EXAMPLE),
  AIFB_API_TOKEN: 'deploy-test-token-0123456789',
  TEMPORAL_DB_PASSWORD: 'deploy-test-db-password',
  GRAFANA_ADMIN_PASSWORD: 'deploy-test-grafana',
});
