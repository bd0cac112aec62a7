import { describe, expect, it } from 'vitest';
import {
  type AdmissionState,
  admissionKey,
  type Claimant,
  EMPTY_ADMISSION,
  enqueue,
  grantNext,
  limitFor,
  mayBeLimited,
  release,
  standing,
} from './admission';
import { parseRecipe, type Recipe } from './recipe';

const claimant = (workflowId: string, startedAtMs: number, limit = 2, runId = 'r1'): Claimant => ({
  workflowId,
  runId,
  startedAtMs,
  limit,
});

function ask(state: AdmissionState, ...claimants: Claimant[]): AdmissionState {
  return claimants.reduce((s, c) => enqueue(s, c).state, state);
}

const ids = (cs: Claimant[]) => cs.map((c) => c.workflowId);

describe('admission queue', () => {
  it('orders waiters by their workflow start time, then id, whatever order the requests arrive in', () => {
    const s = ask(EMPTY_ADMISSION, claimant('c', 30), claimant('b', 10), claimant('a', 10), claimant('d', 5));
    expect(ids(s.waiters)).toEqual(['d', 'a', 'b', 'c']);
  });

  it('grants up to the limit, then one per release, in order', () => {
    let s = ask(EMPTY_ADMISSION, claimant('a', 1), claimant('b', 2), claimant('c', 3));
    const first = grantNext(s);
    expect(ids(first.granted)).toEqual(['a', 'b']);
    s = first.state;
    expect(ids(s.waiters)).toEqual(['c']);
    expect(grantNext(s).granted).toEqual([]);
    s = release(s, { workflowId: 'b', runId: 'r1' });
    const next = grantNext(s);
    expect(ids(next.granted)).toEqual(['c']);
    expect(ids(next.state.holders)).toEqual(['a', 'c']);
  });

  it('never lets a waiter overtake an earlier one, even with a higher limit', () => {
    let s = grantNext(ask(EMPTY_ADMISSION, claimant('a', 1, 1))).state;
    s = ask(s, claimant('b', 2, 1), claimant('c', 3, 5));
    expect(grantNext(s).granted).toEqual([]);
    s = grantNext(release(s, { workflowId: 'a', runId: 'r1' })).state;
    // c waited behind b (limit 1); with b running, c's own limit of 5 lets it start beside b.
    expect(ids(s.holders)).toEqual(['b', 'c']);
    expect(ids(s.waiters)).toEqual([]);
  });

  it('a withdrawn waiter leaves the queue; an unknown release changes nothing', () => {
    const s = ask(EMPTY_ADMISSION, claimant('a', 1), claimant('b', 2));
    expect(ids(release(s, { workflowId: 'a', runId: 'r1' }).waiters)).toEqual(['b']);
    expect(release(s, { workflowId: 'zz', runId: 'r1' })).toBe(s);
    // Another run under the same id is another claimant.
    expect(release(s, { workflowId: 'a', runId: 'r2' })).toBe(s);
  });

  it('a repeated request is queued once; a holder asking again is granted again', () => {
    let s = ask(EMPTY_ADMISSION, claimant('a', 1), claimant('a', 1));
    expect(s.waiters).toHaveLength(1);
    s = grantNext(s).state;
    const again = enqueue(s, claimant('a', 1));
    expect(again.regrant).toBe(true);
    expect(again.state).toBe(s);
  });

  it('says where a run stands', () => {
    const s = grantNext(
      ask(EMPTY_ADMISSION, claimant('a', 1, 1), claimant('b', 2, 1), claimant('c', 3, 1)),
    ).state;
    expect(standing(s, 'a')).toEqual({ running: true });
    expect(standing(s, 'c')).toEqual({ running: false, position: 2, queued: 2 });
    expect(standing(s, 'x')).toBeNull();
  });
});

function recipe(target: unknown, service: unknown = { kind: 'simulator' }): Recipe {
  const parsed = parseRecipe({
    name: 'adm',
    target,
    service,
    workload: {
      kind: 'openai-chat',
      dataset: { synthetic: { inputTokens: 8, outputTokens: 8 } },
      stages: [{ name: 's', mode: 'concurrency', concurrency: 1, duration: '1s' }],
    },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.recipe;
}

const slurm = (extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
  executor: 'slurm',
  ...top,
  slurm: { host: 'login1', user: 'alice', identityFile: '~/.ssh/id', workdir: '~/aifb', ...extra },
});

describe('admission targets and limits', () => {
  it('keys a target by executor, or Slurm login, account and partition', () => {
    expect(admissionKey(recipe({ executor: 'local' }))).toBe('local');
    expect(admissionKey(recipe(slurm({ account: 'p1', partition: 'gpu' })))).toBe(
      'slurm:alice@login1:22/p1/gpu',
    );
    expect(admissionKey(recipe(slurm()))).toBe('slurm:alice@login1:22/-/-');
  });

  it('a benchmark naming a deployment counts against its clients placement', () => {
    const r = recipe(slurm({ partition: 'gpu', clients: { partition: 'cpu' } }), { deployment: 'llm' });
    expect(admissionKey(r)).toBe('slurm:alice@login1:22/-/cpu');
    const own = recipe(slurm({ partition: 'gpu', clients: { partition: 'cpu' } }));
    expect(admissionKey(own)).toBe('slurm:alice@login1:22/-/gpu');
  });

  it('local: the recipe limit, else the site default; Slurm: none unless the recipe says', () => {
    const site = { maxRunningLocal: 2 };
    expect(limitFor(recipe({ executor: 'local' }).target, site)).toBe(2);
    expect(limitFor(recipe({ executor: 'local' }).target, { maxRunningLocal: null })).toBeNull();
    expect(limitFor(recipe({ executor: 'local', maxRunning: 7 }).target, site)).toBe(7);
    expect(limitFor(recipe(slurm()).target, site)).toBeNull();
    expect(limitFor(recipe(slurm({}, { maxRunning: 3 })).target, site)).toBe(3);
    expect(mayBeLimited(recipe(slurm()).target)).toBe(false);
    expect(mayBeLimited(recipe(slurm({}, { maxRunning: 3 })).target)).toBe(true);
    expect(mayBeLimited(recipe({ executor: 'local' }).target)).toBe(true);
  });

  it('rejects a bad maxRunning with its field path', () => {
    const parsed = parseRecipe({
      ...recipe({ executor: 'local' }),
      target: { executor: 'local', maxRunning: 0 },
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues).toEqual([expect.objectContaining({ path: 'target.maxRunning' })]);
  });
});
