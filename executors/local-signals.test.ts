// A cancelled service must see exactly one SIGTERM (a second one aborts llama.cpp's server), then
// SIGKILL after the grace period if it ignores it. Real processes, the real service template.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { renderServiceScript } from '../slurm-scripts/render';
import { LocalExecutor } from './local';
import { jobProcesses } from './local-proc';
import type { JobRef } from './types';

// Counts the TERMs it gets into `terms-<task>`; graceful: exits a little after the first one (time
// enough for a duplicate to arrive and be counted), else ignores them all.
const COUNTER = `
const fs = require('node:fs');
const task = process.env.AIFB_TASK_INDEX;
let terms = 0;
process.on('SIGTERM', () => {
  fs.writeFileSync('terms-' + task, String(++terms));
  if (process.env.SERVICE_MODE === 'graceful') setTimeout(() => process.exit(0), 500);
});
fs.writeFileSync('ready-' + task, String(process.pid));
setInterval(() => {}, 1000);
`;
// Duplicate TERMs sent close together can merge into one pending signal on a busy machine:
// several services per run make a double TERM show up in at least one of them.
const TASKS = 4;

function serviceScript(name: string, mode: 'graceful' | 'stubborn'): string {
  return renderServiceScript({
    jobName: name,
    env: { SERVICE_MODE: mode },
    argv: [process.execPath, '-e', COUNTER],
    announce: 'self',
  });
}

async function text(ex: LocalExecutor, job: JobRef, file: string): Promise<string> {
  return (await ex.readFile(job, file)).data.toString();
}

async function startedService(ex: LocalExecutor, benchmarkId: string, mode: 'graceful' | 'stubborn') {
  const name = `${benchmarkId}-service`;
  const job = await ex.submit({ name, benchmarkId, script: serviceScript(name, mode), tasks: TASKS });
  for (let task = 0; task < TASKS; task++) {
    for (let i = 0; i < 500 && (await text(ex, job, `ready-${task}`)) === ''; i++) await sleep(20);
    expect(await text(ex, job, `ready-${task}`)).not.toBe('');
  }
  return job;
}

async function termCounts(ex: LocalExecutor, job: JobRef): Promise<string[]> {
  const counts: string[] = [];
  for (let task = 0; task < TASKS; task++) counts.push(await text(ex, job, `terms-${task}`));
  return counts;
}

describe('local executor cancel: one SIGTERM, then SIGKILL', () => {
  it('a graceful service gets exactly one SIGTERM and its exit status is kept', async () => {
    const ex = new LocalExecutor({ root: mkdtempSync(join(tmpdir(), 'aifb-sig-')), killGraceMs: 10_000 });
    const job = await startedService(ex, 'sig1', 'graceful');
    await ex.cancel(job);
    expect(await termCounts(ex, job)).toEqual(Array(TASKS).fill('1'));
    for (let task = 0; task < TASKS; task++) {
      expect(await text(ex, job, `exit-${task}`)).toBe('0\n');
      expect(await text(ex, job, `stderr-${task}.log`)).toContain('aifb: service exited with status 0');
    }
  });

  it('a service ignoring SIGTERM gets it once and is killed after the grace period', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aifb-sig-'));
    const ex = new LocalExecutor({ root, killGraceMs: 1500 });
    const job = await startedService(ex, 'sig2', 'stubborn');
    await ex.cancel(job);
    expect(await termCounts(ex, job)).toEqual(Array(TASKS).fill('1'));
    expect(await jobProcesses(join(root, 'sig2', job.name))).toEqual([]);
    expect((await ex.status(job)).state).toBe('CANCELLED');
  });
});
