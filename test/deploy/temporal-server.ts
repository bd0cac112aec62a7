/**
 * The production Temporal server of the deploy tier: the official server and its SQL tool,
 * built by scripts/temporal-server/install.sh from the Go module proxy, configured as the
 * official `temporalio/server` image configures itself (its embedded config template reads the
 * same environment docker-compose.yml gives the `temporal` service).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type ChildServer, spawnUntilReady } from '../../core/node/child-server';
import { repoRoot } from '../../core/node/config';
import { freePort } from '../integration/harness';

const run = promisify(execFile);

export function temporalServerBin(): string {
  const cache =
    process.env.AIFB_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'aifb');
  const bin =
    process.env.AIFB_TEMPORAL_SERVER_BIN ?? join(cache, 'temporal-server', 'bin', 'temporal-server');
  if (!existsSync(bin) || !existsSync(join(dirname(bin), 'temporal-sql-tool'))) {
    throw new Error(
      `${bin} (and temporal-sql-tool beside it) missing: the deploy tier needs the Temporal server built by ` +
        '`make setup` (bash scripts/temporal-server/install.sh)',
    );
  }
  return bin;
}

/**
 * Ports the server binds besides the frontend's gRPC port: the template's defaults are fixed
 * (7234, 6933, ...), so a test gives each a free one through the template's own variables.
 */
export async function serverPortEnv(): Promise<Record<string, string>> {
  const names = [
    'FRONTEND_HTTP_PORT',
    'FRONTEND_MEMBERSHIP_PORT',
    'MATCHING_GRPC_PORT',
    'MATCHING_MEMBERSHIP_PORT',
    'HISTORY_GRPC_PORT',
    'HISTORY_MEMBERSHIP_PORT',
    'WORKER_GRPC_PORT',
    'WORKER_MEMBERSHIP_PORT',
  ];
  const env: Record<string, string> = {};
  for (const name of names) env[name] = String(await freePort());
  return env;
}

/** Runs a compose one-shot script (deploy/temporal/*.sh) with `env`, the tools on PATH. */
export async function runStep(script: string, env: Record<string, string>, path: string[]): Promise<string> {
  const { stdout, stderr } = await run('/bin/sh', [join(repoRoot, 'deploy', 'temporal', script)], {
    env: { ...env, PATH: [...path, process.env.PATH ?? '/usr/bin:/bin'].join(':') },
    timeout: 180_000,
  });
  return stdout + stderr;
}

export interface TemporalServer {
  address: string;
  server: ChildServer;
}

/** `temporal-server start` (the image's entrypoint) with `env`; ready when its gRPC health answers. */
export async function startTemporalServer(
  env: Record<string, string>,
  temporalCli: string,
): Promise<TemporalServer> {
  const address = `127.0.0.1:${env.FRONTEND_GRPC_PORT}`;
  const bin = temporalServerBin();
  // spawnUntilReady passes no environment: run through env(1) with exactly this one.
  const server = await spawnUntilReady({
    binary: 'env',
    args: ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), bin, 'start'],
    ready: () =>
      run(temporalCli, ['operator', 'cluster', 'health', '--address', address], { timeout: 5000 }).then(
        (r) => r.stdout.includes('SERVING'),
        () => false,
      ),
    what: 'the Temporal server',
    where: address,
    timeoutMs: 120_000,
    pollMs: 1000,
  });
  return { address, server };
}
