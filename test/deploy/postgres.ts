/**
 * A PostgreSQL server of its own for the deploy tier: Debian's PostgreSQL (the `postgresql`
 * package setup installs), a fresh cluster in a temporary folder, password (SCRAM) auth for the
 * user Temporal uses, on a free loopback port. initdb refuses to run as root, so as root the
 * server runs as the package's `postgres` user (setpriv, which execs: our signals reach it).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildServer, spawnUntilReady } from '../../core/node/child-server';
import { freePort } from '../integration/harness';

export interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder. */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run `make setup` as root (Debian package postgresql)',
    );
  }
  return join(root, versions[0] as string, 'bin');
}

export async function startPostgres(user: string, password: string): Promise<Postgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'aifb-pg-'));
  const asRoot = process.getuid?.() === 0;
  let uid: number | undefined;
  let gid: number | undefined;
  if (asRoot) {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const as = (binary: string, args: string[]) =>
    asRoot
      ? { binary: 'setpriv', args: [`--reuid=${uid}`, `--regid=${gid}`, '--init-groups', binary, ...args] }
      : { binary, args };
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (asRoot) chownSync(pwfile, uid as number, gid as number);
  const init = as(join(bin, 'initdb'), [
    '-D',
    join(dir, 'data'),
    '-U',
    user,
    `--pwfile=${pwfile}`,
    '--auth=scram-sha-256',
    '-E',
    'UTF8',
    '--no-instructions',
  ]);
  execFileSync(init.binary, init.args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await freePort();
  const server = as(join(bin, 'postgres'), [
    '-D',
    join(dir, 'data'),
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=200',
    // A test database: no need to survive a power cut (Temporal's own restarts are tested).
    '-c',
    'fsync=off',
  ]);
  const child: ChildServer = await spawnUntilReady({
    binary: server.binary,
    args: server.args,
    ready: async () => {
      try {
        execFileSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']);
        return true;
      } catch {
        return false;
      }
    },
    what: 'PostgreSQL',
    where: `127.0.0.1:${port}`,
    timeoutMs: 60_000,
    pollMs: 300,
  });
  return { host: '127.0.0.1', port, user, password, stop: () => child.stop() };
}
