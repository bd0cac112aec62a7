import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceFiles } from '../core/jobs';
import { aggregateGpus, aggregateProcess, parseGpuCsv, parseProcCsv } from './system-samples';

const sampler = join(import.meta.dirname, '..', 'slurm-scripts', serviceFiles.sampler);
// As the service job script starts it (slurm-scripts/service.sh.tmpl): interval, then its files.
const files = `1 ${serviceFiles.proc} ${serviceFiles.gpu} ${serviceFiles.gpuAbsent}`;
const recorded = readFileSync(join(import.meta.dirname, 'fixtures', 'nvidia-smi-a100x4.txt'), 'utf8');

describe('the sampler script with nvidia-smi output', () => {
  it('prefixes each GPU row with epoch ms and keeps [N/A] visible', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aifb-sampler-'));
    // A stand-in nvidia-smi on PATH that prints the recorded rows once, as `-l 1` would each second.
    const bin = join(dir, 'bin');
    execFileSync('mkdir', [bin]);
    writeFileSync(join(bin, 'nvidia-smi'), `#!/bin/sh\ncat <<'X'\n${recorded}X\n`);
    chmodSync(join(bin, 'nvidia-smi'), 0o755);
    const before = Date.now();
    execFileSync('bash', ['-c', `sleep 1.5 & bash ${sampler} $! ${files}`], {
      cwd: dir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    const rows = parseGpuCsv(readFileSync(join(dir, serviceFiles.gpu), 'utf8'));
    expect(rows.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(rows[0]).toMatchObject({
      utilizationPct: 87,
      memoryUsedMiB: 61234,
      powerW: 312.45,
      temperatureC: 64,
    });
    expect(rows[0]!.uuid).toBe('GPU-5f3c9b2e-8d1a-4c7e-9b0f-2a6d4e8c1f37');
    expect(rows[2]!.powerW).toBeNull();
    expect(rows[3]!.utilizationPct).toBeNull();
    for (const r of rows) expect(r.timeMs).toBeGreaterThanOrEqual(before - 5);
    const proc = parseProcCsv(readFileSync(join(dir, serviceFiles.proc), 'utf8'));
    expect(proc.length).toBeGreaterThanOrEqual(1);
    expect(proc[0]!.processes).toBeGreaterThanOrEqual(1);
  });

  it('reports absent GPUs instead of inventing numbers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aifb-sampler-'));
    execFileSync('bash', ['-c', `sleep 0.5 & bash ${sampler} $! ${files}`], {
      cwd: dir,
      env: { ...process.env, PATH: '/usr/bin:/bin' },
    });
    expect(readFileSync(join(dir, serviceFiles.gpuAbsent), 'utf8')).toMatch(/nvidia-smi not found/);
  });
});

describe('parsers', () => {
  it('skip the header and a torn last line', () => {
    const text = 'time_ms,cpu_seconds,rss_bytes,processes\n1000,1.00,4096,2\n2000,1.5';
    expect(parseProcCsv(text)).toEqual([{ timeMs: 1000, cpuSeconds: 1, rssBytes: 4096, processes: 2 }]);
  });
});

describe('window aggregates', () => {
  it('CPU cores from CPU-time deltas, max RSS', () => {
    const rows = [
      { timeMs: 0, cpuSeconds: 0, rssBytes: 10, processes: 1 },
      { timeMs: 1000, cpuSeconds: 0.5, rssBytes: 30, processes: 1 },
      { timeMs: 2000, cpuSeconds: 2.0, rssBytes: 20, processes: 1 },
      { timeMs: 9000, cpuSeconds: 9.0, rssBytes: 99, processes: 1 },
    ];
    const a = aggregateProcess(rows, { startMs: 0, endMs: 2000 });
    expect(a.cpuCoresMean).toBeCloseTo(1.0);
    expect(a.cpuCoresMax).toBeCloseTo(1.5);
    expect(a.rssMaxBytes).toBe(30);
    expect(a.samples).toBe(3);
  });

  it('energy is the trapezoid integral of power per GPU, summed', () => {
    const row = (timeMs: number, index: number, powerW: number | null) => ({
      timeMs,
      index,
      uuid: `g${index}`,
      utilizationPct: 50,
      memoryUsedMiB: 1,
      memoryTotalMiB: 2,
      powerW,
      temperatureC: 40,
    });
    const rows = [row(0, 0, 100), row(1000, 0, 300), row(2000, 0, 300), row(0, 1, 50), row(2000, 1, 50)];
    const a = aggregateGpus(rows, { startMs: 0, endMs: 2000 });
    // GPU 0: (100+300)/2*1 + 300*1 = 500 J; GPU 1: 50*2 = 100 J
    expect(a.energyJ).toBeCloseTo(600);
    expect(a.gpus).toBe(2);
    expect(
      aggregateGpus([row(0, 0, null), row(1000, 0, null)], { startMs: 0, endMs: 1000 }).energyJ,
    ).toBeNull();
  });
});
