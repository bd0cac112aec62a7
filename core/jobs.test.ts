import { describe, expect, it } from 'vitest';
import {
  benchmarkOfJobName,
  clientComponentPrefix,
  clientsJobOf,
  componentName,
  jobNames,
  loadgenFiles,
  parseJobName,
  serviceJobOf,
} from './jobs';

const id = 'bench-demo-ab12cd';
const job = (name: string, tasks = 1) => ({ id: name, name, benchmarkId: id, tasks });

describe('job names', () => {
  it('builds and parses the same names', () => {
    expect(jobNames.service(id)).toBe('bench-demo-ab12cd-service');
    expect(jobNames.clients(id)).toBe('bench-demo-ab12cd-clients');
    expect(parseJobName(id, jobNames.service(id))).toEqual({ kind: 'service' });
    expect(parseJobName(id, jobNames.clients(id))).toEqual({ kind: 'clients' });
  });

  it('refuses names of another benchmark or that aifb did not build', () => {
    expect(parseJobName(id, 'bench-other-zzzzzz-service')).toBeNull();
    expect(parseJobName(id, `${id}-s1-clientsx`)).toBeNull();
    expect(parseJobName(id, `${id}-sx-clients`)).toBeNull();
    // The per-stage name of earlier versions is no job this version submits.
    expect(parseJobName(id, `${id}-s0-clients`)).toBeNull();
    // A schedule-started id that itself ends like a role name still parses by its own prefix.
    const tricky = 'bench-a-s1-clients';
    expect(parseJobName(tricky, jobNames.service(tricky))).toEqual({ kind: 'service' });
  });

  it('finds the benchmark a job name belongs to', () => {
    expect(benchmarkOfJobName(jobNames.service(id))).toBe(id);
    expect(benchmarkOfJobName(jobNames.clients(id))).toBe(id);
    // A live job of an earlier version is still recognised (the janitor cancels it).
    expect(benchmarkOfJobName(`${id}-s7-clients`)).toBe(id);
    expect(benchmarkOfJobName('someone-elses-job')).toBeNull();
  });

  it('names components: clients always numbered, other jobs only with several tasks', () => {
    expect(componentName(id, jobNames.service(id), 0, 1)).toBe('service');
    expect(componentName(id, jobNames.clients(id), 0, 1)).toBe('clients-0');
    expect(componentName(id, jobNames.clients(id), 1, 3)).toBe('clients-1');
    expect(componentName(id, jobNames.service(id), 1, 2)).toBe('service-1');
    // Metric components keep the stage: one job, a series set per stage.
    expect(clientComponentPrefix(2)).toBe('s2-clients-');
  });

  it('finds the service and the clients job among the jobs', () => {
    const jobs = [job(jobNames.clients(id), 2), job(jobNames.service(id))];
    expect(serviceJobOf(id, jobs)?.name).toBe(jobNames.service(id));
    expect(clientsJobOf(id, jobs)?.name).toBe(jobNames.clients(id));
    expect(clientsJobOf(id, [job(jobNames.service(id))])).toBeUndefined();
  });

  it('names the stage files per stage and client, in the job folder alphabet', () => {
    const names = [
      loadgenFiles.stage(3),
      loadgenFiles.ready(3, 1),
      loadgenFiles.go(3),
      loadgenFiles.stop(3),
      loadgenFiles.result(3, 1),
      loadgenFiles.progress(3, 1),
      loadgenFiles.requests(3, 1),
    ];
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[A-Za-z0-9._-]+$/);
  });
});
