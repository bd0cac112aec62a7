/**
 * How many SSH session channels (exec, sftp) one connection may have open at once. OpenSSH
 * refuses sessions past its `MaxSessions` (default 10) on a connection ("open failed"), so every
 * exec and the SFTP session take a permit first, in the order asked. Port forwards (forwardOut,
 * direct-tcpip) are not sessions to OpenSSH ("MaxSessions 0 ... still permitting forwarding",
 * sshd_config(5)) and take none. Pure: no I/O, unit-tested.
 */

/**
 * The default cap: two below OpenSSH's default MaxSessions of 10. The margin covers sshd freeing
 * a closed session's place a moment after the close reached us and the next open went out.
 */
export const DEFAULT_MAX_SESSIONS = 8;

/** Returns the permit; calling it twice, or after reset(), is harmless. */
export type Release = () => void;

export class ChannelLimiter {
  private held = 0;
  private generation = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private max: number = DEFAULT_MAX_SESSIONS) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`a channel limit must be an integer >= 1: ${max}`);
  }

  get limit(): number {
    return this.max;
  }
  /** Permits held now. */
  get inUse(): number {
    return this.held;
  }
  /** Requests waiting for a permit. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves with a permit once fewer than `limit` are held and every earlier request has one. */
  acquire(): Promise<Release> {
    return new Promise<Release>((resolve) => {
      this.queue.push(() => resolve(this.grant()));
      this.pump();
    });
  }

  /**
   * The server refused a session with `open` permits held besides the refused one: its real
   * limit is at most that (a site's MaxSessions below ours). Never below 1.
   */
  lower(open: number): void {
    this.max = Math.max(1, Math.min(this.max, open));
  }

  /** A lower configured limit applies at once; a higher one lets waiting requests in. */
  setLimit(max: number): void {
    if (Number.isInteger(max) && max >= 1) this.max = max;
    this.pump();
  }

  /** The connection died: its channels are gone, so are their permits. Waiting requests stay queued. */
  reset(): void {
    this.generation++;
    this.held = 0;
    this.pump();
  }

  private grant(): Release {
    this.held++;
    const generation = this.generation;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (generation === this.generation) this.held--;
      this.pump();
    };
  }

  private pump(): void {
    while (this.held < this.max && this.queue.length > 0) this.queue.shift()?.();
  }
}
