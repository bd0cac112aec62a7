// Slurm at scale on the real cluster: more concurrent SSH operations than the login node's
// MaxSessions, all succeeding on one connection; and N concurrent status checks costing one
// squeue. The cluster's own sshd allows 50 sessions (tests open many connections at once), so
// this file starts a second sshd, a login node of the same cluster with OpenSSH's default
// MaxSessions 10 written out, owned and stopped by the test.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlurmExecutor } from '../../executors/slurm';
import { SshConnection, type SshTarget } from '../../executors/ssh';
import { DEFAULT_MAX_SESSIONS } from '../../executors/ssh-channels';
import { selfMetrics } from '../../telemetry/self-metrics';
import { freePort } from '../integration/harness';
import { cluster, queuedNames } from './cluster';

const MAX_SESSIONS = 10;
const c = cluster();
let dir: string;
let sshd: ChildProcess;
let target: SshTarget;
const opened: SshConnection[] = [];

function connection(maxSessions?: number): SshConnection {
  const ssh = new SshConnection(target, maxSessions ? { maxSessions } : {});
  opened.push(ssh);
  return ssh;
}

async function listening(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`test sshd not listening on ${port}`);
    await sleep(100);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aifb-sshd-'));
  const port = await freePort();
  const hostKey = `${c.stateDir}/ssh/ssh_host_ed25519_key`;
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${c.stateDir}/ssh/authorized_keys`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'AllowTcpForwarding yes',
      `MaxSessions ${MAX_SESSIONS}`,
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`);
  // -D: stays a child of ours (stopped in afterAll); -E: its log (refusals: "no more sessions").
  sshd = spawn('/usr/sbin/sshd', ['-D', '-E', join(dir, 'sshd.log'), '-f', join(dir, 'sshd_config')], {
    stdio: 'ignore',
  });
  await listening(port);
  target = {
    host: '127.0.0.1',
    port,
    user: c.user,
    identityFile: c.identityFile,
    knownHosts: join(dir, 'known_hosts'),
  };
});

afterAll(async () => {
  await Promise.all(opened.map((ssh) => ssh.close()));
  sshd?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens `n` exec channels at once on one raw ssh2 connection (no limiter); counts refusals. */
async function rawSessions(n: number): Promise<{ ok: number; refused: string[] }> {
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve()).once('error', reject);
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: readFileSync(target.identityFile),
    });
  });
  try {
    const results = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<string | null>((resolve) =>
            client.exec('sleep 1', (err, stream) => {
              if (err) resolve(err.message);
              else stream.on('close', () => resolve(null)).resume();
            }),
          ),
      ),
    );
    const refused = results.filter((r): r is string => r !== null);
    return { ok: n - refused.length, refused };
  } finally {
    client.end();
  }
}

async function commands(command: string): Promise<number> {
  const metric = await selfMetrics.slurmCommands.get();
  return metric.values.find((v) => v.labels.command === command)?.value ?? 0;
}

describe(`SSH operations beyond the login node's MaxSessions (${MAX_SESSIONS})`, () => {
  it('the test sshd really refuses sessions past its MaxSessions (without our limiter)', async () => {
    const { ok, refused } = await rawSessions(MAX_SESSIONS + 4);
    expect(ok).toBe(MAX_SESSIONS);
    expect(refused).toHaveLength(4);
    expect(refused[0]).toMatch(/Channel open failure/);
  });

  it('runs 40 exec, 30 SFTP and 30 tunnelled requests at once on one connection; all succeed', async () => {
    const ssh = connection();
    const workfile = join(c.workdir, `ssh-scale-${process.pid}.txt`);
    writeFileSync(workfile, 'through sftp\n');
    let http: Server | undefined;
    try {
      http = createServer((_req, res) => res.end('through the tunnel'));
      await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
      const httpPort = (http.address() as { port: number }).port;
      const tunnel = await ssh.tunnel('127.0.0.1', httpPort);
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, ssh.channels.inUse);
      }, 5);
      const [execs, reads, gets] = await Promise.all([
        Promise.all(Array.from({ length: 40 }, (_, i) => ssh.exec(`sleep 0.1; echo ${i}`))),
        Promise.all(Array.from({ length: 30 }, () => ssh.read(workfile, 0, 100))),
        Promise.all(Array.from({ length: 30 }, () => fetch(tunnel.url).then((r) => r.text()))),
      ]);
      clearInterval(sampler);
      await tunnel.close();
      expect(execs.map((r) => [r.code, r.stdout.trim()])).toEqual(execs.map((_, i) => [0, String(i)]));
      expect(new Set(reads.map((b) => b.toString()))).toEqual(new Set(['through sftp\n']));
      expect(new Set(gets)).toEqual(new Set(['through the tunnel']));
      // Never refused (the limit would have come down), never above the limit.
      expect(ssh.channels.limit).toBe(DEFAULT_MAX_SESSIONS);
      expect(peak).toBeLessThanOrEqual(DEFAULT_MAX_SESSIONS);
      expect(peak).toBeGreaterThan(1);
    } finally {
      http?.close();
      rmSync(workfile, { force: true });
    }
  });

  // The relay tails a job's files; a file the job has just created is empty. That read of 0 bytes
  // once hung the SFTP session to its 60 s bound (ssh2 throws on a zero-length buffer inside the
  // open's callback); it must answer at once, and the session must still serve the next read.
  it('a read of nothing (the tail of an empty file) answers empty, and the session goes on', async () => {
    const ssh = connection();
    const empty = join(c.workdir, `ssh-empty-${process.pid}.txt`);
    const full = join(c.workdir, `ssh-full-${process.pid}.txt`);
    writeFileSync(empty, '');
    writeFileSync(full, 'after the empty one\n');
    try {
      expect((await ssh.read(empty, 0, 0)).length).toBe(0);
      expect((await ssh.read(full, 0, 100)).toString()).toBe('after the empty one\n');
    } finally {
      rmSync(empty, { force: true });
      rmSync(full, { force: true });
    }
  }, 30_000);

  it('a limit set above the server is learned from its refusals: 30 commands at once still succeed', async () => {
    const ssh = connection(50);
    const execs = await Promise.all(Array.from({ length: 30 }, (_, i) => ssh.exec(`sleep 0.3; echo ${i}`)));
    expect(execs.map((r) => r.stdout.trim())).toEqual(execs.map((_, i) => String(i)));
    expect(ssh.channels.limit).toBeLessThanOrEqual(MAX_SESSIONS);
  });
});

describe('one squeue per poll for every status check on a login', () => {
  it('40 concurrent status checks, liveBenchmarks and 5 forgotten jobs cost one squeue and one sacct', async () => {
    const ssh = connection();
    const ex = new SlurmExecutor(ssh, {
      workdir: c.workdir,
      modules: [],
      maxPendingMs: 600_000,
      partition: c.partition,
    });
    const benchmarkId = `bench-squeue-${process.pid}`;
    try {
      const service = await ex.submit({
        name: `${benchmarkId}-service`,
        benchmarkId,
        script: '#!/bin/bash\nsleep 60',
      });
      const clients = await ex.submit({
        name: `${benchmarkId}-clients`,
        benchmarkId,
        script: '#!/bin/bash\nsleep 60',
        tasks: 2,
      });
      const forgotten = ['987601', '987602', '987603', '987604', '987605'].map((id) => ({
        id,
        name: `${benchmarkId}-gone`,
        benchmarkId,
        tasks: 1,
      }));
      const [squeues, saccts] = [await commands('squeue'), await commands('sacct')];
      const [statuses, gone, live] = await Promise.all([
        Promise.all(Array.from({ length: 40 }, (_, i) => ex.status(i % 2 ? service : clients))),
        Promise.all(forgotten.map((job) => ex.status(job))),
        ex.liveBenchmarks(),
      ]);
      expect(await commands('squeue')).toBe(squeues + 1);
      expect(await commands('sacct')).toBe(saccts + 1);
      for (const [i, status] of statuses.entries()) {
        expect(['PENDING', 'RUNNING']).toContain(status.state);
        expect(status.tasks).toHaveLength(i % 2 ? 1 : 2);
      }
      for (const status of gone) {
        expect(status.state).toBe('UNKNOWN');
        expect(status.reason).toMatch(/no longer knows job 9876\d\d and sacct cannot tell/);
      }
      expect(live).toContain(benchmarkId);
    } finally {
      await ex.cancelAll(benchmarkId);
    }
    expect(queuedNames(benchmarkId)).toEqual([]);
  });
});
