import { describe, expect, it } from 'vitest';
import { mapSlurmState, parseQueue, parseSacct, parseSbatchId } from './slurm-parse';

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

describe('parseQueue (squeue -O QUEUE_FIELDS)', () => {
  it('reads plain jobs, array tasks, reasons and the exit status of ended ones', () => {
    const rows = parseQueue(
      [
        '101|N/A|RUNNING|0|None|bench-x-service|',
        '102|0|RUNNING|0|None|bench-x-clients|',
        '102|1|PENDING|0|Resources|bench-x-clients|',
        '104|0|FAILED|768|NonZeroExitCode|bench-y-clients|',
        '105|N/A|FAILED|9|JobLaunchFailure|bench-z-service|',
        '106|N/A|CANCELLED|0|None|my|odd|name|',
        '',
      ].join('\n'),
    );
    expect(rows).toEqual([
      { jobId: '101', name: 'bench-x-service', slurmState: 'RUNNING', state: 'RUNNING', reason: 'None' },
      {
        jobId: '102',
        task: 0,
        name: 'bench-x-clients',
        slurmState: 'RUNNING',
        state: 'RUNNING',
        reason: 'None',
      },
      {
        jobId: '102',
        task: 1,
        name: 'bench-x-clients',
        slurmState: 'PENDING',
        state: 'PENDING',
        reason: 'Resources',
      },
      {
        jobId: '104',
        task: 0,
        name: 'bench-y-clients',
        slurmState: 'FAILED',
        state: 'FAILED',
        reason: 'NonZeroExitCode',
        exitCode: 3,
      },
      {
        jobId: '105',
        name: 'bench-z-service',
        slurmState: 'FAILED',
        state: 'FAILED',
        reason: 'JobLaunchFailure',
        exitCode: 0,
        signal: 9,
      },
      {
        jobId: '106',
        name: 'my|odd|name',
        slurmState: 'CANCELLED',
        state: 'CANCELLED',
        reason: 'None',
        exitCode: 0,
      },
    ]);
  });

  it('skips headers, unexpanded array ranges and garbage', () => {
    expect(
      parseQueue('ARRAY_JOB_ID|ARRAY_TASK_ID|STATE|\n103|2-5|PENDING|0|Priority|b|\nnonsense\n'),
    ).toEqual([]);
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
