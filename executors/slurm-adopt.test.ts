import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { START_MARKER, submittedJobId, withStartMarker } from './slurm-adopt';
import { parseQueue, parseSacct } from './slurm-parse';

const name = 'bench-x-ab12cd-service';

describe('submittedJobId', () => {
  it('finds nothing when no source knows the name', () => {
    expect(submittedJobId({ name, queued: [], marker: '', accounted: [] })).toBeUndefined();
  });
  it('adopts a job in the queue in any state, an ended one included', () => {
    const queued = parseQueue(`41|N/A|RUNNING|0|None|other|\n42|N/A|COMPLETED|0|None|${name}|\n`);
    expect(submittedJobId({ name, queued, marker: '', accounted: [] })).toBe('42');
  });
  it('adopts the id the job wrote at start once Slurm has forgotten it', () => {
    expect(submittedJobId({ name, queued: [], marker: '57\n', accounted: [] })).toBe('57');
    expect(submittedJobId({ name, queued: [], marker: 'garbage', accounted: [] })).toBeUndefined();
  });
  it('falls back to accounting, newest first', () => {
    const accounted = parseSacct('9|COMPLETED|0:0\n103_1|CANCELLED by 0|0:15\n');
    expect(submittedJobId({ name, queued: [], marker: '', accounted })).toBe('103');
  });
});

describe('withStartMarker', () => {
  const script = withStartMarker(
    '#!/usr/bin/env bash\n#SBATCH --job-name=x\n# comment\ncat "$AIFB_JOB_DIR/slurm-job-id"',
  );
  const run = (env: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'aifb-marker-'));
    const out = spawnSync('bash', ['-c', script], { env: { ...env, AIFB_JOB_DIR: dir }, encoding: 'utf8' });
    return { out: out.stdout, file: readFileSync(join(dir, START_MARKER), 'utf8') };
  };
  it('writes the job id first thing, before the script body runs', () => {
    expect(run({ SLURM_JOB_ID: '12' })).toEqual({ out: '12\n', file: '12\n' });
  });
  it('writes the array job id from every array task', () => {
    expect(run({ SLURM_JOB_ID: '13', SLURM_ARRAY_JOB_ID: '10' }).file).toBe('10\n');
  });
  it('keeps the #SBATCH header first', () => {
    expect(script.split('\n').slice(0, 2)).toEqual(['#!/usr/bin/env bash', '#SBATCH --job-name=x']);
  });
});
