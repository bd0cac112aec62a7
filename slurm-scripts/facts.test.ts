import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobFiles } from '../core/jobs';
import { describeNode, parseFacts } from '../core/machine-facts';
import { factsScript, renderClientsScript } from './render';

/** Runs facts.sh with `path` first on PATH; returns what it printed. */
function facts(path: string, env: Record<string, string> = {}) {
  const r = spawnSync('bash', [factsScript], {
    env: { PATH: `${path}:/usr/bin:/bin`, ...env },
    encoding: 'utf8',
  });
  expect(r.status).toBe(0);
  return r.stdout;
}

/** A stand-in nvidia-smi (no GPU here): answers the query facts.sh makes, in nvidia-smi's own format. */
function fakeNvidiaSmi(dir: string, body: string) {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'nvidia-smi'), `#!/bin/bash\n${body}\n`);
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
  return bin;
}

const cpuinfoModel = () =>
  /^(?:model name|Model name)\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? null;

describe('facts.sh on this machine (real bash, /proc, uname)', () => {
  it('without nvidia-smi: host, CPU, memory, OS, and GPUs absent with the reason', () => {
    const empty = mkdtempSync(join(tmpdir(), 'aifb-facts-'));
    const f = parseFacts(facts(empty), 0)!;
    expect(f.hostname).toBe(hostname());
    expect(f.cpuModel).toBe(cpuinfoModel());
    expect(f.cpus).toBeGreaterThan(0);
    expect(f.memoryBytes).toBeGreaterThan(2 ** 20);
    expect(f.kernel).toBe(spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim());
    expect(f.gpus).toEqual({ absent: `nvidia-smi not found on ${hostname()}` });
    expect(f.slurm).toBeNull();
  });

  it("with nvidia-smi: each GPU's model, driver, memory and uuid; Slurm's ids from its variables", () => {
    const dir = mkdtempSync(join(tmpdir(), 'aifb-facts-'));
    const bin = fakeNvidiaSmi(
      dir,
      [
        // facts.sh must ask exactly this (the columns it parses).
        `[ "$*" = "--query-gpu=index,name,driver_version,memory.total,uuid --format=csv,noheader,nounits" ] || exit 9`,
        `echo "0, NVIDIA A100-SXM4-40GB, 550.54.15, 40960, GPU-aaaa"`,
        `echo "1, NVIDIA A100-SXM4-40GB, 550.54.15, 40960, GPU-bbbb"`,
      ].join('\n'),
    );
    const f = parseFacts(
      facts(bin, {
        SLURM_JOB_ID: '4242',
        SLURM_ARRAY_JOB_ID: '4240',
        SLURM_ARRAY_TASK_ID: '2',
        SLURM_JOB_PARTITION: 'gpu',
      }),
      2,
    )!;
    expect(f.gpus).toEqual({
      count: 2,
      models: ['NVIDIA A100-SXM4-40GB'],
      driver: '550.54.15',
      list: [
        { index: 0, name: 'NVIDIA A100-SXM4-40GB', memoryMiB: 40960, uuid: 'GPU-aaaa' },
        { index: 1, name: 'NVIDIA A100-SXM4-40GB', memoryMiB: 40960, uuid: 'GPU-bbbb' },
      ],
    });
    expect(f.slurm).toEqual({
      jobId: '4242',
      arrayJobId: '4240',
      arrayTaskId: '2',
      nodeList: null,
      partition: 'gpu',
      cluster: null,
    });
    expect(describeNode(f)).toMatch(/2x NVIDIA A100-SXM4-40GB \(driver 550\.54\.15\)$/);
  });

  it('an nvidia-smi that fails is reported as such, never as GPUs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aifb-facts-'));
    const bin = fakeNvidiaSmi(
      dir,
      'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver"; exit 9',
    );
    const f = parseFacts(facts(bin), 0)!;
    expect(f.gpus).toEqual({
      absent: `nvidia-smi failed on ${hostname()}: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver`,
    });
  });
});

describe('the clients script writes its task facts beside the start', () => {
  it('facts-<index>.txt appears (whole) in the job folder; no script: no file, no error', () => {
    const script = renderClientsScript({ jobName: 'bench-x-clients', clientCount: 3, runtime: 'sea' });
    for (const withFacts of [true, false]) {
      const dir = mkdtempSync(join(tmpdir(), 'aifb-facts-job-'));
      // The loadgen stand-in waits a little, as the real one does, so the facts finish first.
      writeFileSync(join(dir, 'aifb-loadgen'), '#!/bin/bash\nsleep 1\n');
      chmodSync(join(dir, 'aifb-loadgen'), 0o755);
      if (withFacts) writeFileSync(join(dir, jobFiles.factsScript), readFileSync(factsScript));
      writeFileSync(join(dir, 'job.sh'), script);
      const r = spawnSync('bash', ['job.sh'], {
        cwd: dir,
        env: { PATH: '/usr/bin:/bin', AIFB_JOB_DIR: dir, AIFB_TASK_INDEX: '1' },
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const written = spawnSync('cat', [join(dir, jobFiles.facts(1))], { encoding: 'utf8' });
      if (withFacts) expect(parseFacts(written.stdout, 1)?.hostname).toBe(hostname());
      else expect(written.status).not.toBe(0);
    }
  });
});

describe('parseFacts', () => {
  it('reads a name with a comma from both ends, skips junk lines, and is null without a hostname', () => {
    const f = parseFacts(
      ['hostname=n1', 'junk', 'cpus=x', 'gpu=0, Tesla V100, PCIe, 535.1, 16384, [N/A]', ''].join('\n'),
      0,
    )!;
    expect(f.cpus).toBeNull();
    expect(f.gpus).toMatchObject({ count: 1, models: ['Tesla V100, PCIe'], driver: '535.1' });
    expect('absent' in f.gpus ? null : f.gpus.list[0]?.uuid).toBeNull();
    expect(parseFacts('cpus=4\n', 0)).toBeNull();
  });
});
