/**
 * One SSH connection per target (ssh2), opened on first use and reopened after it drops.
 * Host keys are verified against known_hosts; commands run with timeouts and report exit
 * codes; SFTP reads at offsets; forwardOut tunnels reach compute-node ports from the worker.
 * Session channels (each exec, the one SFTP session) stay under the server's MaxSessions
 * through a FIFO limiter (executors/ssh-channels.ts); tunnels are forwards, not sessions.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir } from 'node:os';
import { Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import { verifyHostKey } from './known-hosts';
import { ChannelLimiter, DEFAULT_MAX_SESSIONS, type Release } from './ssh-channels';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  identityFile: string;
  knownHosts: string;
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** The connection failed or dropped: worth retrying, unlike a command's own failure. */
export class SshConnectionError extends Error {}
/** The host key was unknown or changed: never retried, nothing was executed. */
export class HostKeyError extends Error {}

const expandHome = (path: string) => (path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path);

export interface SshOptions {
  connectTimeoutMs?: number;
  keepaliveMs?: number;
  /** Session channels open at once (default 8); keep it at or below the server's MaxSessions. */
  maxSessions?: number;
}

export class SshConnection {
  /** Permits for session channels; the SFTP session holds one for as long as it is open. */
  readonly channels: ChannelLimiter;
  private client: Client | undefined;
  private ready: Promise<Client> | undefined;
  private sftpSession: Promise<SFTPWrapper> | undefined;
  /** Open tunnel listeners: each keeps the process alive until closed. */
  private readonly tunnels = new Set<Server>();

  constructor(
    readonly target: SshTarget,
    private readonly options: SshOptions = {},
  ) {
    this.channels = new ChannelLimiter(options.maxSessions ?? DEFAULT_MAX_SESSIONS);
  }

  private connect(): Promise<Client> {
    if (this.ready) return this.ready;
    const { target } = this;
    const client = new Client();
    this.client = client;
    let hostKeyProblem: string | undefined;
    this.ready = new Promise<Client>((resolve, reject) => {
      client.once('ready', () => resolve(client));
      client.once('error', (err) => {
        this.forget(client);
        reject(
          hostKeyProblem
            ? new HostKeyError(hostKeyProblem)
            : new SshConnectionError(`ssh ${target.user}@${target.host}:${target.port}: ${err.message}`),
        );
      });
      client.on('close', () => this.forget(client));
      let privateKey: Buffer;
      let knownHosts: string;
      try {
        privateKey = readFileSync(expandHome(target.identityFile));
        knownHosts = readFileSync(expandHome(target.knownHosts), 'utf8');
      } catch (err) {
        this.forget(client);
        reject(new HostKeyError(`cannot read SSH key files: ${(err as Error).message}`));
        return;
      }
      client.connect({
        host: target.host,
        port: target.port,
        username: target.user,
        privateKey,
        readyTimeout: this.options.connectTimeoutMs ?? 20_000,
        keepaliveInterval: this.options.keepaliveMs ?? 15_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          const verdict = verifyHostKey(knownHosts, target.knownHosts, target.host, target.port, key);
          if (!verdict.ok) hostKeyProblem = verdict.reason;
          return verdict.ok;
        },
      });
    });
    return this.ready;
  }

  /** Drops the connection so the next call opens a fresh one (after a hang or a timeout). */
  private reset(): void {
    const client = this.client;
    if (client) {
      this.forget(client);
      client.end();
    }
  }

  /**
   * SFTP calls have no timeout of their own: a channel stuck on a half-dead connection would hang
   * every retry on the same cached session. Past the limit the connection is dropped and reopened.
   */
  private async bounded<T>(what: string, work: Promise<T>, timeoutMs = 60_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.reset();
        reject(new SshConnectionError(`${what} timed out after ${timeoutMs} ms; reconnecting`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private forget(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.ready = undefined;
    this.sftpSession = undefined;
    // The connection's channels died with it, and so did their permits.
    this.channels.reset();
  }

  /**
   * Opens a session channel once a permit is free (in the order asked). The server refusing it
   * while others are open means its MaxSessions is below our limit: the limit comes down to what
   * it accepted and the request queues again, instead of failing.
   */
  private async session<T>(
    open: (client: Client, done: (err: Error | undefined, channel: T) => void) => void,
  ): Promise<{ client: Client; channel: T; release: Release }> {
    for (;;) {
      const client = await this.connect();
      const release = await this.channels.acquire();
      if (this.client !== client) {
        release(); // the connection was replaced while we waited: a permit of the new one
        continue;
      }
      try {
        const channel = await new Promise<T>((resolve, reject) => {
          try {
            open(client, (err, channel) => (err ? reject(err) : resolve(channel)));
          } catch (err) {
            reject(err); // ssh2 throws "Not connected" on a connection that just died
          }
        });
        return { client, channel, release };
      } catch (err) {
        release();
        const refused = (err as { reason?: unknown }).reason !== undefined;
        if (refused && this.client === client && this.channels.inUse > 0) {
          this.channels.lower(this.channels.inUse);
          continue;
        }
        throw new SshConnectionError(`ssh channel: ${(err as Error).message}`);
      }
    }
  }

  /** Runs a command (a full shell line: the caller quotes every value). */
  async exec(command: string, timeoutMs = 60_000): Promise<ExecResult> {
    const {
      client,
      channel: stream,
      release,
    } = await this.session<ClientChannel>((c, done) => c.exec(command, done));
    return new Promise<ExecResult>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => {
        stream.close();
        reject(
          new SshConnectionError(`ssh command timed out after ${timeoutMs} ms: ${command.slice(0, 200)}`),
        );
      }, timeoutMs);
      stream.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      stream.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      stream.on('close', (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        release();
        // A channel closed without an exit status means the connection went away under it.
        if (code === null && signal === null && this.client !== client) {
          reject(new SshConnectionError('ssh connection lost while a command ran'));
          return;
        }
        resolve({ code: code ?? null, signal: signal ?? null, stdout, stderr });
      });
    });
  }

  /** The one SFTP session: a long-lived channel holding one permit until it or the connection closes. */
  private sftp(): Promise<SFTPWrapper> {
    if (this.sftpSession) return this.sftpSession;
    const session: Promise<SFTPWrapper> = this.session<SFTPWrapper>((c, done) => c.sftp(done)).then(
      ({ channel, release }) => {
        channel.on('close', () => {
          release();
          if (this.sftpSession === session) this.sftpSession = undefined;
        });
        return channel;
      },
    );
    this.sftpSession = session;
    session.catch(() => {
      if (this.sftpSession === session) this.sftpSession = undefined;
    });
    return session;
  }

  /** `timeoutMs`: by default a minute, plus a second per 256 KiB (a 100 MB file gets ~7 min). */
  async writeFile(path: string, data: string | Buffer, mode = 0o644, timeoutMs?: number): Promise<void> {
    await this.bounded(
      `sftp write ${path}`,
      this.sftp().then(
        (sftp) =>
          new Promise<void>((resolve, reject) =>
            sftp.writeFile(path, data, { mode }, (err) => (err ? reject(err) : resolve())),
          ),
      ),
      timeoutMs ?? 60_000 + Math.ceil(data.length / 256),
    );
  }

  /** Reads up to maxBytes from offset; a missing file reads as empty. */
  async read(path: string, offset: number, maxBytes: number): Promise<Buffer> {
    return this.bounded(`sftp read ${path}`, this.readUnbounded(path, offset, maxBytes));
  }

  private async readUnbounded(path: string, offset: number, maxBytes: number): Promise<Buffer> {
    // Nothing to read (tail of an empty file): no call. ssh2's read throws on a zero-length
    // buffer inside the open's callback, which settled nothing: the read hung to its 60 s bound
    // and every SFTP call on the connection with it.
    if (maxBytes <= 0) return Buffer.alloc(0);
    const sftp = await this.sftp();
    return new Promise<Buffer>((resolve, reject) => {
      sftp.open(path, 'r', (err, handle) => {
        if (err) {
          if ((err as { code?: number }).code === 2)
            resolve(Buffer.alloc(0)); // NO_SUCH_FILE
          else reject(err);
          return;
        }
        const buffer = Buffer.alloc(maxBytes);
        try {
          sftp.read(handle, buffer, 0, maxBytes, offset, (readErr, bytesRead) => {
            sftp.close(handle, () => undefined);
            // ssh2 reports EOF as an error with code 1 (EOF) when offset is at the end.
            if (readErr && (readErr as { code?: number }).code !== 1) reject(readErr);
            else resolve(buffer.subarray(0, readErr ? 0 : bytesRead));
          });
        } catch (thrown) {
          // A call ssh2 refuses throws here, where nothing else would settle the promise.
          sftp.close(handle, () => undefined);
          reject(thrown);
        }
      });
    });
  }

  async size(path: string): Promise<number> {
    return this.bounded(`sftp stat ${path}`, this.sizeUnbounded(path));
  }

  private async sizeUnbounded(path: string): Promise<number> {
    const sftp = await this.sftp();
    return new Promise<number>((resolve, reject) =>
      sftp.stat(path, (err, stats) => {
        if (err) {
          if ((err as { code?: number }).code === 2) resolve(0);
          else reject(err);
        } else resolve(stats.size);
      }),
    );
  }

  /** A local 127.0.0.1 port that forwards to host:port as seen from the login node. */
  async tunnel(host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
    const client = await this.connect();
    const server: Server = createServer((socket) => {
      const pipe = (channel: ClientChannel) => {
        socket.pipe(channel).pipe(socket);
        socket.on('error', () => channel.close());
        channel.on('error', () => socket.destroy());
      };
      try {
        client.forwardOut('127.0.0.1', 0, host, port, (err, channel) =>
          err ? socket.destroy() : pipe(channel),
        );
      } catch {
        // The SSH connection died under a tunnel kept open (ssh2 throws "Not connected"): the
        // caller sees a failed request and opens a new tunnel; the worker must not crash.
        socket.destroy();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.tunnels.add(server);
    const address = server.address();
    const localPort = typeof address === 'object' && address ? address.port : 0;
    return {
      url: `http://127.0.0.1:${localPort}`,
      close: () => this.closeTunnel(server),
    };
  }

  private closeTunnel(server: Server): Promise<void> {
    this.tunnels.delete(server);
    return new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Ends the connection and every tunnel: an open socket or listener would keep the process
   * alive after its work is done. A later call reconnects.
   */
  async close(): Promise<void> {
    const client = this.client;
    if (client) {
      this.forget(client);
      client.end();
    }
    await Promise.all([...this.tunnels].map((server) => this.closeTunnel(server)));
  }
}

const pool = new Map<string, SshConnection>();

/**
 * One connection per user@host:port, shared by every benchmark on this worker. Targets asking
 * different `maxSessions` of one login get the smallest (the server's limit is the same).
 */
export function sshConnection(target: SshTarget, options: { maxSessions?: number } = {}): SshConnection {
  const key = `${target.user}@${target.host}:${target.port}|${target.identityFile}|${target.knownHosts}`;
  let connection = pool.get(key);
  if (!connection) {
    connection = new SshConnection(target, options);
    pool.set(key, connection);
  } else if (options.maxSessions !== undefined && options.maxSessions < connection.channels.limit) {
    connection.channels.setLimit(options.maxSessions);
  }
  return connection;
}
