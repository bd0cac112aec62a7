import { describe, expect, it } from 'vitest';
import type { PromptSample } from './dataset';
import { SessionPool } from './sessions';

/** User turns "u0", "u1", ... of 2 words each; a clock the test moves. */
function pool(turns: number, opts: { think?: number; prefix?: boolean } = {}) {
  let n = 0;
  const clock = { now: 0 };
  const p = new SessionPool({
    turns,
    nextPrompt: (): PromptSample => ({ prompt: `u${n++} x`, inputWords: 2, maxTokens: 4 }),
    ...(opts.think !== undefined ? { thinkMs: () => opts.think! } : {}),
    ...(opts.prefix ? { pickPrefix: () => ({ text: 'sys a b', words: 3 }) } : {}),
    now: () => clock.now,
  });
  return { p, clock };
}

describe('SessionPool', () => {
  it('each turn carries the conversation so far, replies as returned; N turns make a session', () => {
    const { p } = pool(3, { prefix: true });
    const t1 = p.next(0);
    expect(t1.sample).toEqual({ prompt: 'u0 x', inputWords: 5, maxTokens: 4, system: 'sys a b' });
    p.finish(t1.session, 'r0 r0 r0');
    const t2 = p.next(0);
    expect(t2.session).toBe(t1.session);
    expect(t2.sample.history).toEqual([
      { role: 'user', content: 'u0 x' },
      { role: 'assistant', content: 'r0 r0 r0' },
    ]);
    // system 3 + u0 2 + reply 3 + u1 2
    expect(t2.sample.inputWords).toBe(10);
    expect(t2.sample.system).toBe('sys a b');
    p.finish(t2.session, 'r1');
    const t3 = p.next(0);
    expect(t3.sample.history).toHaveLength(4);
    p.finish(t3.session, 'r2');
    expect(p.completed).toBe(1);
    // The lane starts a new session after its third turn.
    const t4 = p.next(0);
    expect(t4.session).not.toBe(t1.session);
    expect(t4.sample.history).toBeUndefined();
    expect(p.started).toBe(2);
  });

  it('a failed turn ends its session', () => {
    const { p } = pool(5);
    const t1 = p.next(0);
    p.finish(t1.session, null);
    expect(p.abandoned).toBe(1);
    expect(p.next(0).session).not.toBe(t1.session);
  });

  it('closed loop: each lane runs its own session and waits its think time after a reply', () => {
    const { p, clock } = pool(3, { think: 500 });
    const a = p.next(0);
    const b = p.next(1);
    expect(a.session).not.toBe(b.session);
    clock.now = 100;
    p.finish(a.session, 'ra');
    expect(p.waitMs(0)).toBe(500);
    clock.now = 450;
    expect(p.waitMs(0)).toBe(150);
    clock.now = 600;
    expect(p.waitMs(0)).toBe(0);
    expect(p.next(0).session).toBe(a.session);
    expect(p.waitMs(1)).toBe(0); // in flight: the runner only asks once the turn has ended
  });

  it('open loop: a request continues the session ready longest, else starts one', () => {
    const { p, clock } = pool(4, { think: 100 });
    const s1 = p.next();
    const s2 = p.next();
    expect(p.started).toBe(2);
    clock.now = 10;
    p.finish(s2.session, 'r'); // ready at 110
    clock.now = 20;
    p.finish(s1.session, 'r'); // ready at 120
    clock.now = 50;
    expect(p.next().session).not.toBe(s1.session); // nothing ready yet: a third session
    expect(p.started).toBe(3);
    clock.now = 130;
    expect(p.next().session).toBe(s2.session);
    expect(p.next().session).toBe(s1.session);
    expect(p.active).toBe(3);
  });
});
