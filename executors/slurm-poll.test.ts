import { describe, expect, it } from 'vitest';
import { parseQueue } from './slurm-parse';
import {
  Coalescer,
  commandLabel,
  jobTasks,
  missingFromQueue,
  type QueueView,
  type Timers,
} from './slurm-poll';

/** A clock that moves only when the test says so. */
function manualTimers() {
  let now = 0;
  let due: { at: number; fn: () => void }[] = [];
  const timers: Timers = {
    now: () => now,
    setTimeout(fn, ms) {
      due.push({ at: now + ms, fn });
      return undefined;
    },
  };
  return {
    timers,
    async advance(ms: number) {
      now += ms;
      const ready = due.filter((t) => t.at <= now);
      due = due.filter((t) => t.at > now);
      for (const t of ready) t.fn();
      await settle();
    },
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A fetch whose rounds the test answers one at a time. */
function pendingFetch() {
  const calls: { requests: string[]; answer(v: string): void; fail(e: Error): void }[] = [];
  const fetch = (requests: string[]) =>
    new Promise<string>((resolve, reject) => {
      calls.push({ requests, answer: resolve, fail: reject });
    });
  return { calls, fetch };
}

describe('Coalescer (one poll round for every request made before it starts)', () => {
  it('answers N requests of the same tick with one round', async () => {
    const clock = manualTimers();
    const { calls, fetch } = pendingFetch();
    const poll = new Coalescer(fetch, 1000, clock.timers);
    const answers = Promise.all(Array.from({ length: 50 }, (_, i) => poll.ask(`job${i}`)));
    await clock.advance(0);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.requests).toHaveLength(50);
    calls[0]?.answer('queue');
    expect(new Set(await answers)).toEqual(new Set(['queue']));
    expect(poll.rounds).toBe(1);
  });

  it('starts the next round no sooner than the interval after the last one started', async () => {
    const clock = manualTimers();
    const { calls, fetch } = pendingFetch();
    const poll = new Coalescer(fetch, 1000, clock.timers);
    const first = poll.ask('a');
    await clock.advance(0);
    calls[0]?.answer('one');
    await first;
    await clock.advance(100);
    const second = poll.ask('b');
    const third = poll.ask('c');
    await clock.advance(899);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.requests).toEqual(['b', 'c']);
    calls[1]?.answer('two');
    expect(await Promise.all([second, third])).toEqual(['two', 'two']);
  });

  it('a request made while a round runs waits for the next round', async () => {
    const clock = manualTimers();
    const { calls, fetch } = pendingFetch();
    const poll = new Coalescer(fetch, 1000, clock.timers);
    const first = poll.ask('a');
    await clock.advance(0);
    const late = poll.ask('b');
    await clock.advance(2000);
    expect(calls).toHaveLength(1);
    calls[0]?.answer('one');
    expect(await first).toBe('one');
    await clock.advance(0);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.requests).toEqual(['b']);
    calls[1]?.answer('two');
    expect(await late).toBe('two');
  });

  it('a failed round fails all its requests, and the next round still runs', async () => {
    const clock = manualTimers();
    const { calls, fetch } = pendingFetch();
    const poll = new Coalescer(fetch, 1000, clock.timers);
    const failed = Promise.allSettled([poll.ask('a'), poll.ask('b')]);
    await clock.advance(0);
    calls[0]?.fail(new Error('ssh down'));
    expect((await failed).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const again = poll.ask('c');
    await clock.advance(1000);
    calls[1]?.answer('back');
    expect(await again).toBe('back');
  });
});

describe('reading a round for one job', () => {
  const rows = parseQueue(
    [
      '7|N/A|RUNNING|0|None|bench-a-service|',
      '8|0|COMPLETED|0|None|bench-a-clients|',
      '8|1|FAILED|512|NonZeroExitCode|bench-a-clients|',
      '9|N/A|PENDING|0|Priority|bench-b-service|',
    ].join('\n'),
  );

  it('asks accounting only about asked jobs the queue no longer fully lists', () => {
    const requests = [
      { jobId: '7', tasks: 1 },
      { jobId: '8', tasks: 3 },
      { jobId: '12', tasks: 1 },
      { jobId: '12', tasks: 1 },
      { jobId: '', tasks: 0 },
      { jobId: 'x;rm', tasks: 1 },
    ];
    expect(missingFromQueue(requests, rows)).toEqual(['8', '12']);
  });

  it('takes tasks from the queue, then accounting; exit codes only for ended tasks', () => {
    const view: QueueView = {
      rows,
      accounted: [{ jobId: '8', task: 2, slurmState: 'COMPLETED', state: 'COMPLETED', exitCode: 0 }],
    };
    expect(jobTasks({ id: '8', tasks: 3 }, view).tasks).toEqual([
      { index: 0, state: 'COMPLETED', exitCode: 0 },
      { index: 1, state: 'FAILED', exitCode: 2 },
      { index: 2, state: 'COMPLETED', exitCode: 0 },
    ]);
    expect(jobTasks({ id: '7', tasks: 1 }, view).tasks).toEqual([{ index: 0, state: 'RUNNING' }]);
    expect(jobTasks({ id: '9', tasks: 1 }, view).known.get(0)?.reason).toBe('Priority');
  });

  it('says why a job is UNKNOWN: forgotten without accounting, or squeue itself failed', () => {
    const forgotten = jobTasks(
      { id: '12', tasks: 1 },
      { rows, accounted: [], accountingError: 'accounting storage is disabled' },
    );
    expect(forgotten.tasks).toEqual([{ index: 0, state: 'UNKNOWN' }]);
    expect(forgotten.unknownWhy).toBe(
      'Slurm no longer knows job 12 and sacct cannot tell (accounting storage is disabled)',
    );
    const down = jobTasks(
      { id: '7', tasks: 1 },
      { rows: [], queueError: 'exit 1: no controller', accounted: [] },
    );
    expect(down.unknownWhy).toBe('squeue failed: exit 1: no controller');
    expect(jobTasks({ id: '7', tasks: 1 }, { rows, accounted: [] }).unknownWhy).toBeUndefined();
  });
});

describe('commandLabel', () => {
  it.each([
    ["squeue --me -h -r -t all -O 'x'", 'squeue'],
    ['sacct -n -P -X -j 1,2', 'sacct'],
    ["'sbatch' '--parsable' '/w/job.sh'", 'sbatch'],
    ["scancel '12'", 'scancel'],
    ["mkdir -p '/w/x'", 'shell'],
    ['printf %s "$HOME"', 'shell'],
  ])('%s -> %s', (command, label) => expect(commandLabel(command)).toBe(label));
});
