/** target.slurm.clients: the client jobs' own account, partition and qos. */
import { describe, expect, it } from 'vitest';
import { parseRecipe, type Recipe } from './recipe';
import { clientsPlacement } from './recipe-read';

function parse(slurm: Record<string, unknown>, executor = 'slurm') {
  return parseRecipe({
    name: 'placement',
    target:
      executor === 'slurm'
        ? { executor, slurm: { host: 'h', user: 'u', identityFile: '~/.ssh/id', workdir: '/w', ...slurm } }
        : { executor },
    service: { kind: 'simulator' },
    workload: { kind: 'openai-chat', stages: [{ mode: 'concurrency', concurrency: 2, duration: '10s' }] },
  });
}

function recipe(slurm: Record<string, unknown>): Recipe {
  const result = parse(slurm);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.recipe;
}

describe('clients placement', () => {
  it("takes each field from target.slurm.clients, else the service's", () => {
    const service = { account: 'p1', partition: 'gpu', qos: 'default' };
    expect(clientsPlacement(recipe({ ...service, clients: { partition: 'cpu' } }))).toEqual({
      account: 'p1',
      partition: 'cpu',
      qos: 'default',
    });
    expect(
      clientsPlacement(recipe({ ...service, clients: { account: 'p2', partition: 'cpu', qos: 'short' } })),
    ).toEqual({ account: 'p2', partition: 'cpu', qos: 'short' });
    expect(clientsPlacement(recipe(service))).toEqual(service);
  });

  it('leaves out what neither says, and is undefined off Slurm', () => {
    expect(clientsPlacement(recipe({ clients: { partition: 'cpu' } }))).toEqual({ partition: 'cpu' });
    expect(clientsPlacement(recipe({}))).toEqual({});
    const local = parse({}, 'local');
    if (!local.ok) throw new Error('local recipe refused');
    expect(clientsPlacement(local.recipe)).toBeUndefined();
  });

  it("validates the clients' names like the service's, and refuses other keys", () => {
    const result = parse({ clients: { partition: 'cpu; rm -rf /', qos: '', gpus: 1 } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.issues.map((i) => i.path).sort();
    expect(paths).toEqual([
      'target.slurm.clients',
      'target.slurm.clients.partition',
      'target.slurm.clients.qos',
    ]);
    expect(result.issues.find((i) => i.path === 'target.slurm.clients.partition')?.message).toMatch(
      /letters, digits/,
    );
  });
});
