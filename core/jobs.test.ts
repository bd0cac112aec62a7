import { describe, expect, it } from 'vitest';
import {
  benchmarkOfJobName,
  clientComponentPrefix,
  componentName,
  jobNames,
  newestClientsJob,
  parseJobName,
  serviceJobOf,
} from './jobs';

const id = 'bench-demo-ab12cd';
const job = (name: string, tasks = 1) => ({ id: name, name, benchmarkId: id, tasks });

describe('job names', () => {
  it('builds and parses the same names', () => {
    expect(jobNames.service(id)).toBe('bench-demo-ab12cd-service');
    expect(jobNames.clients(id, 3)).toBe('bench-demo-ab12cd-s3-clients');
    expect(parseJobName(id, jobNames.service(id))).toEqual({ kind: 'service' });
    expect(parseJobName(id, jobNames.clients(id, 12))).toEqual({ kind: 'clients', stageIndex: 12 });
  });

  it('refuses names of another benchmark or that aifb did not build', () => {
    expect(parseJobName(id, 'bench-other-zzzzzz-service')).toBeNull();
    expect(parseJobName(id, `${id}-s1-clientsx`)).toBeNull();
    expect(parseJobName(id, `${id}-sx-clients`)).toBeNull();
    // A schedule-started id that itself ends like a role name still parses by its own prefix.
    const tricky = 'bench-a-s1-clients';
    expect(parseJobName(tricky, jobNames.service(tricky))).toEqual({ kind: 'service' });
  });

  it('finds the benchmark a job name belongs to', () => {
    expect(benchmarkOfJobName(jobNames.service(id))).toBe(id);
    expect(benchmarkOfJobName(jobNames.clients(id, 7))).toBe(id);
    expect(benchmarkOfJobName('someone-elses-job')).toBeNull();
  });

  it('names components: clients always numbered, other jobs only with several tasks', () => {
    expect(componentName(id, jobNames.service(id), 0, 1)).toBe('service');
    expect(componentName(id, jobNames.clients(id, 0), 0, 1)).toBe('s0-clients-0');
    expect(componentName(id, jobNames.clients(id, 2), 1, 3)).toBe('s2-clients-1');
    expect(componentName(id, jobNames.service(id), 1, 2)).toBe('service-1');
    expect(clientComponentPrefix(2)).toBe('s2-clients-');
    expect(componentName(id, jobNames.clients(id, 2), 0, 3).startsWith(clientComponentPrefix(2))).toBe(true);
  });

  it('finds the service and the newest stage by index, not by list order', () => {
    const jobs = [
      job(jobNames.clients(id, 10), 2),
      job(jobNames.service(id)),
      job(jobNames.clients(id, 9), 2),
    ];
    expect(serviceJobOf(id, jobs)?.name).toBe(jobNames.service(id));
    expect(newestClientsJob(id, jobs)?.name).toBe(jobNames.clients(id, 10));
    expect(newestClientsJob(id, [job(jobNames.service(id))])).toBeUndefined();
  });
});
