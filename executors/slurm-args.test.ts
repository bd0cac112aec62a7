import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sbatchCommand, sbatchFlags, withSbatchHeader } from './slurm-args';

/** What bash would pass to sbatch: the command's words after shell parsing. */
function words(command: string): string[] {
  const out = spawnSync('bash', ['-c', `printf '%s\\0' ${command.replace(/^sbatch /, '')}`], {
    encoding: 'utf8',
  });
  return out.stdout.split('\0').slice(0, -1);
}

describe('sbatchCommand', () => {
  it('renders placement, resources, array and output files', () => {
    const cmd = sbatchCommand({
      jobName: 'bench-x-s0-clients',
      dir: '/project/aifb/bench-x/bench-x-s0-clients',
      tasks: 3,
      placement: { account: 'p200981', partition: 'gpu', qos: 'default' },
      resources: { nodes: 1, gpus: 4, cpusPerTask: 8, memory: '64G', time: '01:00:00' },
      env: { AIFB_JOB_DIR: '/project/aifb/bench-x/bench-x-s0-clients' },
    });
    expect(words(cmd)).toEqual([
      '--parsable',
      '--job-name=bench-x-s0-clients',
      '--chdir=/project/aifb/bench-x/bench-x-s0-clients',
      '--no-requeue',
      '--output=/project/aifb/bench-x/bench-x-s0-clients/stdout-%a.log',
      '--error=/project/aifb/bench-x/bench-x-s0-clients/stderr-%a.log',
      '--array=0-2',
      '--account=p200981',
      '--partition=gpu',
      '--qos=default',
      '--nodes=1',
      '--gpus=4',
      '--cpus-per-task=8',
      '--mem=64G',
      '--time=01:00:00',
      '--export=ALL,AIFB_JOB_DIR=/project/aifb/bench-x/bench-x-s0-clients',
      '/project/aifb/bench-x/bench-x-s0-clients/job.sh',
    ]);
  });

  it('keeps a plain job on task 0 files and quotes odd paths into single words', () => {
    const dir = "/scratch/my dir/$(touch x)/it's";
    const w = words(sbatchCommand({ jobName: 'j', dir, tasks: 1, placement: {}, env: {} }));
    expect(w).toContain(`--output=${dir}/stdout-0.log`);
    expect(w.at(-1)).toBe(`${dir}/job.sh`);
    expect(w.some((a) => a.startsWith('--array'))).toBe(false);
  });

  it('refuses exports sbatch would split', () => {
    expect(() =>
      sbatchCommand({ jobName: 'j', dir: '/d', tasks: 1, placement: {}, env: { A: 'x,B=y' } }),
    ).toThrow(/cannot export/);
  });
});

describe('withSbatchHeader', () => {
  it("writes the submitted flags as the #SBATCH header, replacing the template's", () => {
    const flags = sbatchFlags({
      jobName: 'bench-x-service',
      dir: '/w/bench-x/bench-x-service',
      tasks: 1,
      placement: { account: 'p1', partition: 'gpu' },
      resources: { gpus: 4, time: '01:00:00' },
      env: {},
    });
    const script = '#!/usr/bin/env bash\n#SBATCH --job-name=bench-x-service\n# body\nrun';
    expect(withSbatchHeader(script, flags).split('\n')).toEqual([
      '#!/usr/bin/env bash',
      '#SBATCH --job-name=bench-x-service',
      '#SBATCH --chdir=/w/bench-x/bench-x-service',
      '#SBATCH --no-requeue',
      '#SBATCH --output=/w/bench-x/bench-x-service/stdout-0.log',
      '#SBATCH --error=/w/bench-x/bench-x-service/stderr-0.log',
      '#SBATCH --account=p1',
      '#SBATCH --partition=gpu',
      '#SBATCH --gpus=4',
      '#SBATCH --time=01:00:00',
      '# body',
      'run',
    ]);
  });
});
