import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceFiles } from '../core/jobs';
import { parseRecipe, type RecipeInput } from '../core/recipe';
import { postgresScript, renderServiceScript } from '../slurm-scripts/render';
import { serviceLaunch } from './launch';
import { localProblems, postgresBinDir } from './preflight';

function postgres(service: Partial<Extract<RecipeInput['service'], { kind: 'postgres' }>> = {}) {
  const parsed = parseRecipe({
    name: 'pg',
    service: { kind: 'postgres', ...service },
    workload: { kind: 'sql', sql: {}, stages: [{ mode: 'concurrency', concurrency: 2, duration: '5s' }] },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const s = parsed.recipe.service;
  if (s.kind !== 'postgres') throw new Error('kind');
  return s;
}

/** Fake initdb and postgres that record their argv (and initdb's password file) and exit. */
function fakeBinDir(): string {
  const bin = mkdtempSync(join(tmpdir(), 'aifb-pgbin-'));
  for (const name of ['initdb', 'postgres']) {
    writeFileSync(
      join(bin, name),
      `#!/usr/bin/env bash
printf '%s\\n' "$@" > "$AIFB_JOB_DIR/seen-${name}"
for a in "$@"; do case "$a" in --pwfile=*) cp "\${a#--pwfile=}" "$AIFB_JOB_DIR/seen-pwfile";; -D) ;; esac; done
if [ ${name} = initdb ]; then d=; prev=; for a in "$@"; do [ "$prev" = -D ] && d=$a; prev=$a; done; mkdir -p "$d"; echo 15 > "$d/PG_VERSION"; fi
`,
    );
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

describe('service kind postgres', () => {
  it('runs its start script with the bin folder, role, password file and each setting as one -c word', () => {
    const launch = serviceLaunch(
      postgres({ binDir: '/opt/pg/bin', settings: { shared_buffers: '1GB', fsync: false } }),
      '',
    );
    const text = renderServiceScript({ jobName: 'bench-pg-service', ...launch });
    expect(text).toContain(
      `bash "$AIFB_JOB_DIR/${serviceFiles.postgresStart}" /opt/pg/bin aifb "$AIFB_JOB_DIR/${serviceFiles.postgresPassword}" -c shared_buffers=1GB -c fsync=false`,
    );
    expect(text).toContain('aifb_free_port');
    expect(launch.uploads).toEqual({ [serviceFiles.postgresStart]: postgresScript });
    expect(spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' }).stderr).toBe('');
  });

  it('quotes a setting value that would mean something to the shell', () => {
    const launch = serviceLaunch(postgres({ settings: { search_path: '$(touch /tmp/x); public' } }), '');
    const text = renderServiceScript({ jobName: 'bench-pg-service', ...launch });
    expect(text).toContain(`-c 'search_path=$(touch /tmp/x); public'`);
  });

  it('refuses a setting name that is not one, and an HTTP health check', () => {
    const issues = (service: Record<string, unknown>) => {
      const parsed = parseRecipe({
        name: 'pg',
        service: { kind: 'postgres', ...service },
        workload: { kind: 'sql', sql: {}, stages: [{ mode: 'concurrency', concurrency: 2, duration: '5s' }] },
      });
      return parsed.ok ? [] : parsed.issues.map((i) => i.path);
    };
    expect(issues({ settings: { 'a b': 1 } })).toEqual(['service.settings.a b']);
    expect(issues({ health: { completion: true } })).toEqual(['service.health.completion']);
  });

  it('postgres.sh draws an owner-only password, gives it to initdb once and starts the server on the job port', () => {
    const bin = fakeBinDir();
    const dir = mkdtempSync(join(tmpdir(), 'aifb-pgjob-'));
    mkdirSync(dir, { recursive: true });
    const run = () =>
      spawnSync('bash', [postgresScript, bin, 'aifb', join(dir, 'pg-password'), '-c', 'fsync=off'], {
        env: {
          ...process.env,
          AIFB_JOB_DIR: dir,
          AIFB_PORT: '27999',
          AIFB_BIND_HOST: '127.0.0.1',
          // As root the server runs as another user: root itself here, so the fakes in a private
          // temporary folder stay reachable.
          AIFB_POSTGRES_USER: 'root',
        },
        encoding: 'utf8',
      });
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    const password = readFileSync(join(dir, 'pg-password'), 'utf8');
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    expect(statSync(join(dir, 'pg-password')).mode & 0o077).toBe(0);
    expect(readFileSync(join(dir, 'seen-pwfile'), 'utf8')).toBe(password);
    const initdb = readFileSync(join(dir, 'seen-initdb'), 'utf8').split('\n');
    expect(initdb).toEqual(expect.arrayContaining(['-U', 'aifb', '--auth=scram-sha-256']));
    const server = readFileSync(join(dir, 'seen-postgres'), 'utf8').split('\n');
    expect(server).toEqual(
      expect.arrayContaining([
        '-p',
        '27999',
        '-c',
        'listen_addresses=127.0.0.1',
        'unix_socket_directories=',
        'fsync=off',
      ]),
    );
    // The same job folder again (a restart): the password stays.
    expect(run().status).toBe(0);
    expect(readFileSync(join(dir, 'pg-password'), 'utf8')).toBe(password);
  });

  it('postgres.sh says what is missing when no server is found', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aifb-pgjob-'));
    const run = spawnSync('bash', [postgresScript, dir, 'aifb', join(dir, 'pw')], {
      env: { ...process.env, AIFB_JOB_DIR: dir, AIFB_PORT: '1' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(127);
    expect(run.stderr).toContain('no initdb in');
  });

  it('preflight finds the server on PATH or in the Debian layout, else names binDir', () => {
    const bin = fakeBinDir();
    expect(postgresBinDir(bin, '/nonexistent')).toBe(bin);
    const debian = mkdtempSync(join(tmpdir(), 'aifb-pgdeb-'));
    for (const v of ['13', '15']) {
      mkdirSync(join(debian, v, 'bin'), { recursive: true });
      writeFileSync(join(debian, v, 'bin', 'postgres'), '#!/bin/sh\n');
      chmodSync(join(debian, v, 'bin', 'postgres'), 0o755);
    }
    expect(postgresBinDir('', debian)).toBe(join(debian, '15', 'bin'));
    expect(postgresBinDir('', '/nonexistent')).toBeNull();
    expect(localProblems(postgres({ binDir: bin }))).toEqual([]);
    expect(localProblems(postgres({ binDir: '/nonexistent/bin' }))).toEqual([
      'service.binDir: /nonexistent/bin: /nonexistent/bin/initdb is not an executable file',
      'service.binDir: /nonexistent/bin: /nonexistent/bin/postgres is not an executable file',
    ]);
  });
});
