import { describe, expect, it } from 'vitest';
import { ChannelLimiter, DEFAULT_MAX_SESSIONS } from './ssh-channels';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Asks for n permits; `granted` lists the indexes served so far, in the order served. */
function askMany(limiter: ChannelLimiter, n: number) {
  const granted: number[] = [];
  const releases = new Map<number, () => void>();
  for (let i = 0; i < n; i++) {
    void limiter.acquire().then((release) => {
      granted.push(i);
      releases.set(i, release);
    });
  }
  return { granted, releases };
}

describe('ChannelLimiter', () => {
  it('defaults below OpenSSH MaxSessions (10) and refuses a nonsense limit', () => {
    expect(new ChannelLimiter().limit).toBe(DEFAULT_MAX_SESSIONS);
    expect(DEFAULT_MAX_SESSIONS).toBeLessThan(10);
    expect(() => new ChannelLimiter(0)).toThrow(/>= 1/);
    expect(() => new ChannelLimiter(2.5)).toThrow(/>= 1/);
  });

  it('never grants more than the limit, and serves waiters in the order they asked', async () => {
    const limiter = new ChannelLimiter(3);
    const { granted, releases } = askMany(limiter, 10);
    await settle();
    expect(granted).toEqual([0, 1, 2]);
    expect([limiter.inUse, limiter.waiting]).toEqual([3, 7]);
    releases.get(1)?.();
    releases.get(1)?.(); // a second release of the same permit changes nothing
    await settle();
    expect(granted).toEqual([0, 1, 2, 3]);
    expect(limiter.inUse).toBe(3);
    for (const i of [0, 2, 3]) releases.get(i)?.();
    await settle();
    expect(granted).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const i of [4, 5, 6, 7, 8, 9]) {
      releases.get(i)?.();
      await settle();
    }
    expect(granted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([limiter.inUse, limiter.waiting]).toEqual([0, 0]);
  });

  it('a long-held permit (the SFTP session) leaves the rest to short calls', async () => {
    const limiter = new ChannelLimiter(2);
    await limiter.acquire(); // held for good
    const { granted, releases } = askMany(limiter, 5);
    for (let i = 0; i < 5; i++) {
      await settle();
      expect(granted).toHaveLength(i + 1);
      expect(limiter.inUse).toBe(2);
      releases.get(i)?.();
    }
  });

  it('lower(): the server refused at that many open; the limit follows, never below 1', async () => {
    const limiter = new ChannelLimiter(8);
    limiter.lower(4);
    expect(limiter.limit).toBe(4);
    limiter.lower(9);
    expect(limiter.limit).toBe(4);
    limiter.lower(0);
    expect(limiter.limit).toBe(1);
    limiter.setLimit(3);
    const { granted } = askMany(limiter, 5);
    await settle();
    expect(granted).toEqual([0, 1, 2]);
  });

  it("reset(): a dead connection's permits are gone, their late releases count for nothing", async () => {
    const limiter = new ChannelLimiter(2);
    const { granted, releases } = askMany(limiter, 5);
    await settle();
    expect(granted).toEqual([0, 1]);
    limiter.reset();
    await settle();
    expect(granted).toEqual([0, 1, 2, 3]);
    releases.get(0)?.(); // from the old connection: must not free a permit of the new one
    await settle();
    expect(granted).toEqual([0, 1, 2, 3]);
    expect(limiter.inUse).toBe(2);
    releases.get(2)?.();
    await settle();
    expect(granted).toEqual([0, 1, 2, 3, 4]);
  });
});
