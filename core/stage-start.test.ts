import { describe, expect, it } from 'vitest';
import { type BarrierInput, barrierDecision, startDelayMs } from './stage-start';

const base = (over: Partial<BarrierInput>): BarrierInput => ({
  clients: [
    { index: 0, ready: true },
    { index: 1, ready: true },
  ],
  nowMs: 100_000,
  firstReadyAtMs: 99_000,
  waitingSinceMs: 90_000,
  pending: false,
  boundMs: 60_000,
  startDelayMs: 700,
  ...over,
});

describe('stage start barrier', () => {
  it('opens when every client is ready, at a common start a little in the future', () => {
    expect(barrierDecision(base({}))).toEqual({
      kind: 'go',
      startAtMs: 100_000 + 700,
      clients: [0, 1],
      missing: [],
    });
  });

  it('leaves the clients more time to see the go over a cluster filesystem than on the local disk', () => {
    expect(startDelayMs({ target: { executor: 'slurm' } as never })).toBe(2000);
    expect(startDelayMs({ target: { executor: 'local' } as never })).toBe(500);
  });

  it('waits for a straggler within the bound, counted from the first ready client', () => {
    const clients = [
      { index: 0, ready: true },
      { index: 1, ready: false },
    ];
    expect(barrierDecision(base({ clients, nowMs: 99_000 + 59_999 })).kind).toBe('wait');
    const go = barrierDecision(base({ clients, nowMs: 99_000 + 60_000 }));
    expect(go).toMatchObject({ kind: 'go', clients: [0], missing: [{ index: 1 }] });
    if (go.kind === 'go') expect(go.missing[0]!.reason).toMatch(/not ready within 60 s.*not merged/);
  });

  it('does not wait for a client whose task ended', () => {
    const clients = [
      { index: 0, ready: true },
      { index: 1, ready: false, ended: 'FAILED' },
    ];
    const go = barrierDecision(base({ clients, nowMs: 99_001 }));
    expect(go).toMatchObject({ kind: 'go', clients: [0] });
    if (go.kind === 'go') expect(go.missing[0]!.reason).toMatch(/ended \(FAILED\)/);
  });

  it('queue time is not cut short: a pending allocation is waited for however long', () => {
    const clients = [
      { index: 0, ready: false },
      { index: 1, ready: false },
    ];
    const waiting = base({ clients, firstReadyAtMs: null, pending: true, nowMs: 90_000 + 10 * 3600_000 });
    expect(barrierDecision(waiting).kind).toBe('wait');
    // A running allocation that never gets a client ready is bounded.
    const stuck = barrierDecision({ ...waiting, pending: false });
    expect(stuck).toMatchObject({ kind: 'go', clients: [], missing: [{ index: 0 }, { index: 1 }] });
  });

  it('every client gone (the allocation failed): opens at once with none', () => {
    const clients = [
      { index: 0, ready: false, ended: 'CANCELLED' },
      { index: 1, ready: false, ended: 'CANCELLED' },
    ];
    const go = barrierDecision(base({ clients, firstReadyAtMs: null, nowMs: 90_001 }));
    expect(go).toMatchObject({ kind: 'go', clients: [] });
  });
});
