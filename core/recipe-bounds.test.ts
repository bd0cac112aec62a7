/**
 * Every duration and count in a recipe is bounded by what the code can honour, and the message
 * says the bound: a 30-day stage once passed, then the load generator's timer overflowed
 * (TimeoutOverflowWarning) and every request was aborted at once.
 */
import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS } from './duration';
import { parseRecipe } from './recipe';

type Json = Record<string, unknown>;

function recipe(patch: { service?: Json; workload?: Json; stage?: Json; target?: Json } = {}): Json {
  return {
    name: 'bounds',
    ...(patch.target ? { target: patch.target } : {}),
    service: { kind: 'simulator', ...patch.service },
    workload: {
      kind: 'openai-chat',
      stages: [{ mode: 'concurrency', concurrency: 2, duration: '10s', ...patch.stage }],
      ...patch.workload,
    },
  };
}

function issueAt(input: Json, path: string): string {
  const result = parseRecipe(input);
  if (result.ok) throw new Error(`accepted; expected a problem at ${path}`);
  const issue = result.issues.find((i) => i.path === path);
  if (!issue) throw new Error(`no problem at ${path}: ${JSON.stringify(result.issues)}`);
  return issue.message;
}

const slurm = {
  executor: 'slurm',
  slurm: { host: 'h', user: 'u', identityFile: '~/.ssh/id', workdir: '/w' },
};

describe('recipe bounds', () => {
  it('accepts the longest timer Node.js can set, and refuses one millisecond more, saying the limit', () => {
    expect(MAX_DURATION_MS).toBe(2 ** 31 - 1);
    expect(parseRecipe(recipe({ workload: { requestTimeout: '2147483.647s' } })).ok).toBe(true);
    expect(
      issueAt(recipe({ workload: { requestTimeout: '2147483.648s' } }), 'workload.requestTimeout'),
    ).toMatch(/at most 24\.8 days \(2147483647 ms\)/);
  });

  it.each([
    ['workload.stages.0.duration', recipe({ stage: { duration: '1000h' } })],
    ['workload.stages.0.duration', recipe({ stage: { duration: 1e300 } })],
    ['workload.stages.0.warmup', recipe({ stage: { warmup: '40000m' } })],
    ['workload.stages.0.cooldown', recipe({ stage: { cooldown: 3e6 } })],
    ['workload.requestTimeout', recipe({ workload: { requestTimeout: '99999999999h' } })],
    ['workload.slo.ttft', recipe({ workload: { slo: { ttft: '600h' } } })],
    ['service.health.timeout', recipe({ service: { health: { timeout: '700h' } } })],
    ['service.health.interval', recipe({ service: { health: { interval: 1e12 } } })],
    ['service.simulator.ttft', recipe({ service: { simulator: { ttft: '1000h' } } })],
    [
      'target.slurm.maxPending',
      recipe({ target: { ...slurm, slurm: { ...slurm.slurm, maxPending: '9999h' } } }),
    ],
  ])('refuses a duration beyond 2^31-1 ms at %s', (path, input) => {
    expect(issueAt(input, path)).toMatch(/at most .*2147483647 ms/);
  });

  it('refuses a stage whose warm-up, measured window and cool-down together overflow one timer', () => {
    const input = recipe({ stage: { warmup: '300h', duration: '300h', cooldown: '1h' } });
    expect(issueAt(input, 'workload.stages.0.duration')).toMatch(
      /warmup \+ duration \+ cooldown.*2147483647 ms/,
    );
  });

  it.each([
    ['workload.stages.0.concurrency', recipe({ stage: { concurrency: 100_001 } }), /at most 100000/],
    ['workload.stages.0.maxRequests', recipe({ stage: { maxRequests: 2e9 } }), /at most 1000000000/],
    ['workload.clients.count', recipe({ workload: { clients: { count: 1025 } } }), /at most 1024/],
    [
      'workload.stages.0.rate',
      recipe({ stage: { mode: 'constant', concurrency: undefined, rate: 2e6 } }),
      /at most 1000000/,
    ],
    [
      'workload.stages.0.rate',
      recipe({ stage: { mode: 'poisson', concurrency: undefined, rate: 1e-9 } }),
      /at least 0\.01/,
    ],
    [
      'workload.dataset.synthetic.inputTokens',
      recipe({ workload: { dataset: { synthetic: { inputTokens: 2e6 } } } }),
      /at most 1000000 tokens/,
    ],
    [
      'service.simulator.tokensPerChunk',
      recipe({ service: { simulator: { tokensPerChunk: 1001 } } }),
      /at most 1000/,
    ],
  ])('refuses a count beyond what the code can honour at %s, naming the bound', (path, input, message) => {
    expect(issueAt(input, path)).toMatch(message);
  });

  it('bounds how deep extraBody nests (Temporal cannot even carry 10,000 levels)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { a: deep };
    expect(issueAt(recipe({ workload: { extraBody: { x: deep } } }), 'workload.extraBody')).toMatch(
      /at most 32 levels/,
    );
    let ok: unknown = 1;
    for (let i = 0; i < 10; i++) ok = [ok];
    expect(parseRecipe(recipe({ workload: { extraBody: { x: ok } } })).ok).toBe(true);
  });
});
