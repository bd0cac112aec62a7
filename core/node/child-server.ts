/**
 * A server this process starts as a child (the Temporal dev server, Prometheus, Pushgateway):
 * spawned, polled until it answers, stopped with TERM then KILL. A child that exits or never
 * answers fails with its exit status and the end of its stderr.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChildServer {
  /** The server's process id (the chaos tier kills it with SIGKILL). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export async function spawnUntilReady(options: {
  binary: string;
  args: string[];
  /** Does the server answer yet? */
  ready: () => Promise<boolean>;
  /** For the error: e.g. `the Temporal dev server`, and where it should have answered. */
  what: string;
  where: string;
  timeoutMs: number;
  pollMs: number;
  /** A last line for the error, e.g. how to install the binary. */
  hint?: string;
}): Promise<ChildServer> {
  const { binary, timeoutMs } = options;
  const child: ChildProcess = spawn(binary, options.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', (err) => {
    stderr += `\n${err.message}`;
  });
  const deadline = Date.now() + timeoutMs;
  while (!(await options.ready())) {
    const early = await Promise.race([exited, sleep(options.pollMs).then(() => 'running' as const)]);
    if (early !== 'running' || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `${options.what} (${binary}) did not start at ${options.where}` +
          `${early !== 'running' ? ` (exit ${early})` : ` within ${timeoutMs / 1000}s`}: ${stderr.trim() || 'no output'}` +
          `${options.hint ? `\n${options.hint}` : ''}`,
      );
    }
  }
  return {
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // Unref'd: the losing timer must not keep the CLI alive for 10 s after the child exited.
      const grace = sleep(10_000, 'timeout' as const, { ref: false });
      const done = await Promise.race([exited, grace]);
      if (done === 'timeout') child.kill('SIGKILL');
    },
  };
}
