/**
 * aifb's compose services (worker, API) as processes on this machine, with the command and
 * environment docker-compose.yml gives them. Only what a container changes is mapped: other
 * services' `host:port` to loopback addresses, the container's paths (mounts, the image's
 * WORKDIR, HOME) to folders here, and the ports the service itself binds to free ones.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../../core/node/config';
import { type ComposeModel, mounts, readDockerfile } from './compose';

export interface Mapping {
  /** `host:port` (or `http://host:port`) of another service → the address here. */
  addresses: Record<string, string>;
  /** A path in the container → a path here (longest prefix wins). */
  paths: Record<string, string>;
  /** Variables naming a port or address the service binds → the value here. */
  binds: Record<string, string>;
}

function mapValue(value: string, m: Mapping): string {
  let out = value;
  // Longest keys first, so http://loki:3100 wins over loki:3100.
  for (const key of Object.keys(m.addresses).sort((a, b) => b.length - a.length)) {
    out = out.split(key).join(m.addresses[key] as string);
  }
  if (out.startsWith('/')) {
    const prefix = Object.keys(m.paths)
      .sort((a, b) => b.length - a.length)
      .find((p) => out === p || out.startsWith(`${p}/`));
    if (prefix) out = (m.paths[prefix] as string) + out.slice(prefix.length);
  }
  return out;
}

export interface ServiceRun {
  argv: string[];
  env: Record<string, string>;
}

/** The argv and environment of compose service `name` on this machine. */
export function serviceRun(model: ComposeModel, name: string, m: Mapping): ServiceRun {
  const service = model.services[name];
  if (!service) throw new Error(`docker-compose.yml has no service ${name}`);
  // aifb's image: the Dockerfile's ENV and ENTRYPOINT, its WORKDIR holding the repository.
  const aifb = service.build !== undefined || (service.image ?? '').startsWith('aifb:');
  const image = aifb ? readDockerfile() : { env: {}, entrypoint: [], workdir: '/nonexistent' };
  const here: Mapping = aifb ? { ...m, paths: { ...m.paths, [image.workdir]: repoRoot } } : m;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...image.env, ...service.environment })) {
    env[k] = k in m.binds ? (m.binds[k] as string) : mapValue(String(v), here);
  }
  const argv = [...(service.entrypoint ?? image.entrypoint), ...(service.command ?? [])].map((a, i) =>
    i === 0 && a === 'node' ? process.execPath : mapValue(a, here),
  );
  return { argv, env };
}

/** Folders and files standing in for a service's mounts (read-only files get placeholder content). */
export function prepareMounts(model: ComposeModel, name: string, m: Mapping): void {
  for (const [target, { readOnly }] of mounts(model.services[name] as never)) {
    const here = mapValue(target, m);
    if (readOnly) {
      mkdirSync(join(here, '..'), { recursive: true });
      writeFileSync(here, `# stands in for the ${target} mount\n`);
    } else mkdirSync(here, { recursive: true });
  }
}

export interface Running {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts it with exactly `run.env` (plus PATH, which the image has too). */
export function startService(run: ServiceRun): Running {
  const [bin, ...args] = run.argv as [string, ...string[]];
  const child = spawn(bin, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...run.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const done = await Promise.race([exited, sleep(20_000, 'timeout')]);
      if (done === 'timeout') child.kill('SIGKILL');
    },
  };
}

/** Polls `url` until it answers 200. */
export async function waitFor200(url: string, what: Running, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (what.child.exitCode !== null) throw new Error(`exited ${what.child.exitCode}: ${what.output()}`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 in time: ${what.output()}`);
    await sleep(500);
  }
}

export interface ApiClient {
  call(method: string, path: string, body?: unknown): Promise<Response>;
  /** Starts a recipe and waits until the benchmark is no longer running; returns its final row. */
  runToEnd(
    recipe: unknown,
    timeoutMs?: number,
  ): Promise<{ benchmarkId: string; status: string; failure?: unknown }>;
}

export function apiClient(url: string, token: string): ApiClient {
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return {
    call,
    async runToEnd(recipe, timeoutMs = 180_000) {
      const res = await call('POST', '/benchmarks', recipe);
      const started = (await res.json()) as { benchmarkId: string; message?: string };
      if (res.status !== 201) throw new Error(`start: HTTP ${res.status}: ${JSON.stringify(started)}`);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = (await (await call('GET', `/benchmarks/${started.benchmarkId}`)).json()) as {
          status: string;
          failure?: unknown;
        };
        if (row.status !== 'running')
          return { benchmarkId: started.benchmarkId, status: row.status, failure: row.failure };
        if (Date.now() > deadline)
          throw new Error(`${started.benchmarkId} still running after ${timeoutMs} ms`);
        await sleep(1000);
      }
    },
  };
}
