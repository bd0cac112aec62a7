import { describe, expect, it } from 'vitest';
import {
  mapSlurmState,
  parseSacct,
  parseSbatchId,
  parseScontrol,
  parseScontrolLine,
  parseSqueue,
} from './slurm-parse';

describe('mapSlurmState', () => {
  it.each([
    ['PENDING', 'PENDING'],
    ['CONFIGURING', 'PENDING'],
    ['REQUEUED', 'PENDING'],
    ['REQUEUE_HOLD', 'PENDING'],
    ['SUSPENDED', 'PENDING'],
    ['RUNNING', 'RUNNING'],
    ['COMPLETING', 'RUNNING'],
    ['COMPLETED', 'COMPLETED'],
    ['FAILED', 'FAILED'],
    ['NODE_FAIL', 'FAILED'],
    ['BOOT_FAIL', 'FAILED'],
    ['OUT_OF_MEMORY', 'FAILED'],
    ['PREEMPTED', 'FAILED'],
    ['CANCELLED', 'CANCELLED'],
    ['CANCELLED by 0', 'CANCELLED'],
    ['TIMEOUT', 'TIMEOUT'],
    ['DEADLINE', 'TIMEOUT'],
    ['running', 'RUNNING'],
    ['SOMETHING_NEW', 'UNKNOWN'],
    ['', 'UNKNOWN'],
  ] as const)('%s -> %s', (slurm, ours) => expect(mapSlurmState(slurm)).toBe(ours));
});

describe('parseSbatchId', () => {
  it('reads plain and cluster-qualified ids', () => {
    expect(parseSbatchId('4242\n')).toBe('4242');
    expect(parseSbatchId('4242;meluxina')).toBe('4242');
  });
  it('refuses anything else with the text in the message', () => {
    expect(() => parseSbatchId('sbatch: error: Batch job submission failed: Invalid account')).toThrow(
      /Invalid account/,
    );
  });
});

describe('parseSqueue', () => {
  it('reads plain jobs, array tasks and reasons; skips unexpanded ranges', () => {
    const rows = parseSqueue(
      [
        '101|bench-x-service|RUNNING|None',
        '102_0|bench-x-s0-clients|RUNNING|None',
        '102_1|bench-x-s0-clients|PENDING|Resources',
        '103_[2-5]|bench-y|PENDING|Priority',
        '',
      ].join('\n'),
    );
    expect(rows).toEqual([
      { jobId: '101', name: 'bench-x-service', slurmState: 'RUNNING', state: 'RUNNING', reason: 'None' },
      {
        jobId: '102',
        task: 0,
        name: 'bench-x-s0-clients',
        slurmState: 'RUNNING',
        state: 'RUNNING',
        reason: 'None',
      },
      {
        jobId: '102',
        task: 1,
        name: 'bench-x-s0-clients',
        slurmState: 'PENDING',
        state: 'PENDING',
        reason: 'Resources',
      },
    ]);
  });
});

describe('scontrol show job -o', () => {
  const finished =
    'JobId=205 ArrayJobId=204 ArrayTaskId=1 JobName=bench-x-s0-clients UserId=root(0) GroupId=root(0) ' +
    'JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 RunTime=00:00:01 ' +
    'NodeList=node1 Command=/work/my dir/job.sh WorkDir=/work/my dir StdOut=/work/my dir/stdout-1.log';

  it('splits key=value pairs, keeping spaces inside values', () => {
    const f = parseScontrolLine(finished);
    expect(f.Command).toBe('/work/my dir/job.sh');
    expect(f.WorkDir).toBe('/work/my dir');
    expect(f.JobState).toBe('FAILED');
  });

  it('reads state, exit code, signal, array task and nodes', () => {
    const killed =
      'JobId=301 JobName=bench-x-service JobState=CANCELLED Reason=None ExitCode=0:15 NodeList=node2';
    expect(parseScontrol(`${finished}\n${killed}\n`)).toEqual([
      {
        jobId: '204',
        task: 1,
        name: 'bench-x-s0-clients',
        slurmState: 'FAILED',
        state: 'FAILED',
        reason: 'NonZeroExitCode',
        exitCode: 3,
        nodes: 'node1',
      },
      {
        jobId: '301',
        name: 'bench-x-service',
        slurmState: 'CANCELLED',
        state: 'CANCELLED',
        reason: 'None',
        exitCode: 0,
        signal: 15,
        nodes: 'node2',
      },
    ]);
  });
});

describe('parseSacct', () => {
  it('reads array tasks, "CANCELLED by" states and exit codes; skips anything else', () => {
    expect(
      parseSacct('204_0|COMPLETED|0:0\n204_1|CANCELLED by 0|0:15\n205|TIMEOUT|0:1\n205.batch|x|y\n'),
    ).toEqual([
      { jobId: '204', task: 0, slurmState: 'COMPLETED', state: 'COMPLETED', exitCode: 0 },
      { jobId: '204', task: 1, slurmState: 'CANCELLED by 0', state: 'CANCELLED', exitCode: 0 },
      { jobId: '205', slurmState: 'TIMEOUT', state: 'TIMEOUT', exitCode: 0 },
    ]);
  });
});
