/** The app's HTTP contract with a fake control (no Temporal): auth, error shapes, status codes. */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkRecipeName } from '../control/ids';
import { type BenchmarkControl, ControlError } from '../control/types';
import type { HistoryEntry } from '../core/history';
import type { BenchmarkSummary } from '../core/summary';
import { ALIAS_BOMB } from '../test/fixtures/hostile';
import { buildApp } from './app';

const TOKEN = 'unit-test-token-0123456789';

function fakeControl(calls: string[]): BenchmarkControl {
  const unused = async () => {
    throw new Error('not used');
  };
  return {
    start: async (_recipe, options) => {
      calls.push(`start ${options?.idempotencyKey ?? ''}`);
      return {
        benchmarkId: 'bench-x-aaaaaa',
        workflowId: 'bench-x-aaaaaa',
        runId: 'r',
        created: !options?.idempotencyKey,
      };
    },
    stop: async (id, reason) => {
      calls.push(`stop ${id} ${reason ?? '-'}`);
      return { phase: 'loading', stageName: 'c8' };
    },
    stopStage: async () => {
      throw new ControlError('conflict', 'no stage is running: the benchmark is done');
    },
    status: async (id) => {
      throw new ControlError('not-found', `no benchmark ${id}`);
    },
    results: async () => ({ benchmarkId: 'bench-x-aaaaaa', stages: [] }) as unknown as BenchmarkSummary,
    list: unused,
    cancel: async (id) => {
      calls.push(`cancel ${id}`);
      if (id === 'bench-done-aaaaaa') throw new ControlError('conflict', `${id} has already ended`);
    },
    logs: unused,
    history: async (name, options) => {
      checkRecipeName(name);
      calls.push(`history ${name} ${options?.limit ?? '-'}`);
      return [{ benchmarkId: `bench-${name}-aaaaaa` }] as unknown as HistoryEntry[];
    },
    createSchedule: unused,
    listSchedules: unused,
    setSchedulePaused: unused,
    deleteSchedule: unused,
    deployUp: unused,
    listDeployments: unused,
    deployment: unused,
    deployDown: unused,
    close: async () => {},
  };
}

async function app(calls: string[] = [], token: string | null = TOKEN) {
  return buildApp({
    control: fakeControl(calls),
    token,
    corsOrigins: [],
    health: async () => ({
      ok: true,
      temporal: { address: 'x', namespace: 'default', reachable: true },
      taskQueue: 'q',
      workers: 1,
    }),
    examplesDir: '/nonexistent',
  });
}

/** A GET whose path is sent exactly as written (fetch and inject() would normalise dot segments). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };

describe('API contract', () => {
  it("GET /recipes/:name/history: the recipe's runs (open, like every read); a bad name or limit is a 400", async () => {
    const calls: string[] = [];
    const a = await app(calls);
    const ok = await a.inject({ method: 'GET', url: '/recipes/nightly/history?limit=2' });
    expect([ok.statusCode, ok.json()]).toEqual([200, [{ benchmarkId: 'bench-nightly-aaaaaa' }]]);
    expect((await a.inject({ method: 'GET', url: '/recipes/nightly/history' })).statusCode).toBe(200);
    expect(calls).toEqual(['history nightly 2', 'history nightly -']);
    const bad = await a.inject({ method: 'GET', url: '/recipes/..%2F..%2Fetc/history' });
    expect([bad.statusCode, bad.json().error]).toEqual([400, 'invalid-input']);
    expect((await a.inject({ method: 'GET', url: '/recipes/nightly/history?limit=0' })).statusCode).toBe(400);
  });

  it('401 without the token, 201 with it; an Idempotency-Key answer that started nothing is a 200', async () => {
    const calls: string[] = [];
    const a = await app(calls);
    expect((await a.inject({ method: 'POST', url: '/benchmarks', payload: {} })).statusCode).toBe(401);
    const created = await a.inject({
      method: 'POST',
      url: '/benchmarks',
      payload: { name: 'x' },
      headers: auth,
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe('/benchmarks/bench-x-aaaaaa');
    const again = await a.inject({
      method: 'POST',
      url: '/benchmarks',
      payload: { name: 'x' },
      headers: { ...auth, 'idempotency-key': 'k1' },
    });
    expect(again.statusCode).toBe(200);
    expect(calls).toEqual(['start ', 'start k1']);
  });

  it('a token-less app (dev mode) lets mutating routes through', async () => {
    const a = await app([], null);
    expect((await a.inject({ method: 'POST', url: '/benchmarks', payload: {} })).statusCode).toBe(201);
  });

  it('stop accepts no body or a reason; control errors map to 404 and 409 with { error, message }', async () => {
    const calls: string[] = [];
    const a = await app(calls);
    expect(
      (await a.inject({ method: 'POST', url: '/benchmarks/bench-x-aaaaaa/stop', headers: auth })).statusCode,
    ).toBe(202);
    await a.inject({
      method: 'POST',
      url: '/benchmarks/bench-x-aaaaaa/stop',
      headers: auth,
      payload: { reason: 'r' },
    });
    expect(calls).toEqual(['stop bench-x-aaaaaa -', 'stop bench-x-aaaaaa r']);
    const conflict = await a.inject({
      method: 'POST',
      url: '/benchmarks/bench-x-aaaaaa/stages/current/stop',
      headers: auth,
    });
    expect([conflict.statusCode, conflict.json()]).toEqual([
      409,
      { error: 'conflict', message: 'no stage is running: the benchmark is done' },
    ]);
    const missing = await a.inject({ method: 'GET', url: '/benchmarks/bench-y-bbbbbb' });
    expect([missing.statusCode, missing.json().error]).toEqual([404, 'not-found']);
  });

  it('rejects a malformed id and YAML syntax errors with 400 and a path', async () => {
    const a = await app();
    const badId = await a.inject({ method: 'GET', url: '/benchmarks/..%2Fetc' });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().issues[0].path).toBe('params.id');
    const yaml = await a.inject({
      method: 'POST',
      url: '/benchmarks',
      headers: { ...auth, 'content-type': 'application/yaml' },
      payload: 'name: [',
    });
    expect(yaml.statusCode).toBe(400);
    expect(yaml.json().message).toMatch(/not valid YAML\/JSON at line 1/);
  });

  it('refuses dot ids however they are spelled, so results and logs never leave their folder', async () => {
    // Over a socket: inject() normalises `%2E%2E` away, a real client (curl --path-as-is) does not.
    const a = await app();
    await a.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = a.server.address() as AddressInfo;
      for (const id of ['%2E%2E', '%2e', '.', '..', '...', '%2E%2E%2Fsecret', '-rf', 'a%00b']) {
        for (const tail of ['/results', '/logs?component=secret', '']) {
          const res = await rawGet(port, `/benchmarks/${id}${tail}`);
          // Plain `.`/`..` are folded by the router into another route: any 4xx is a refusal.
          expect(res.status, `${id}${tail}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${id}${tail}`).toBeLessThan(500);
        }
      }
      const encoded = await rawGet(port, '/benchmarks/%2E%2E/results');
      expect([encoded.status, JSON.parse(encoded.body).issues[0].path]).toEqual([400, 'params.id']);
    } finally {
      await a.close();
    }
  });

  it('answers an unparseable recipe (alias bomb) with 400 on start and valid:false on validate', async () => {
    const a = await app();
    const yaml = { ...auth, 'content-type': 'application/yaml' };
    const started = await a.inject({
      method: 'POST',
      url: '/benchmarks',
      headers: yaml,
      payload: ALIAS_BOMB,
    });
    expect([started.statusCode, started.json().error]).toEqual([400, 'invalid-input']);
    expect(started.json().message).toMatch(/alias/i);
    const validated = await a.inject({
      method: 'POST',
      url: '/recipes/validate',
      headers: yaml,
      payload: ALIAS_BOMB,
    });
    expect(validated.statusCode).toBe(200);
    expect(validated.json()).toMatchObject({ valid: false, recipe: null });
    expect(validated.json().issues[0].message).toMatch(/alias/i);
  });

  it('takes the bearer scheme in any case (RFC 7235) and still refuses a wrong token', async () => {
    const a = await app();
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const res = await a.inject({
        method: 'POST',
        url: '/benchmarks/bench-x-aaaaaa/stop',
        headers: { authorization: `${scheme} ${TOKEN}` },
      });
      expect(res.statusCode, scheme).toBe(202);
    }
    for (const authorization of [
      `bearer ${TOKEN}x`,
      `Basic ${TOKEN}`,
      'bearer',
      `${TOKEN}`,
      `bearer${TOKEN}`,
    ]) {
      const res = await a.inject({
        method: 'POST',
        url: '/benchmarks/bench-x-aaaaaa/stop',
        headers: { authorization },
      });
      expect(res.statusCode, authorization).toBe(401);
    }
  });

  it('an empty body is no body: body-less actions take one with any content type; cancel of an ended run is 409', async () => {
    const calls: string[] = [];
    const a = await app(calls);
    for (const type of ['application/json', 'text/plain', 'application/yaml']) {
      for (const url of [
        '/benchmarks/bench-x-aaaaaa/cancel',
        '/benchmarks/bench-x-aaaaaa/stop',
        '/benchmarks/bench-x-aaaaaa/stages/current/stop',
      ]) {
        const res = await a.inject({
          method: 'POST',
          url,
          headers: { ...auth, 'content-type': type },
          payload: '',
        });
        // stages/current/stop answers the fake's 409; what matters is that the body was accepted.
        expect([202, 409], `${type} ${url}: ${res.body}`).toContain(res.statusCode);
      }
    }
    expect(calls).toContain('cancel bench-x-aaaaaa');
    const noRecipe = await a.inject({
      method: 'POST',
      url: '/recipes/validate',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect([noRecipe.statusCode, noRecipe.json().valid]).toEqual([200, false]);
    const ended = await a.inject({
      method: 'POST',
      url: '/benchmarks/bench-done-aaaaaa/cancel',
      headers: auth,
    });
    expect([ended.statusCode, ended.json().error]).toEqual([409, 'conflict']);
  });

  it('serves results as CSV on ?format=csv or Accept: text/csv', async () => {
    const a = await app();
    const csv = await a.inject({
      method: 'GET',
      url: '/benchmarks/bench-x-aaaaaa/results',
      headers: { accept: 'text/csv' },
    });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body).toMatch(/^benchmark_id,stage,/);
  });
});
