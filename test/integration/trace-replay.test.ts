/**
 * Realistic LLM traffic through the real workflow on the simulator, two client processes: the
 * sample Mooncake trace replayed on its own clock (4× faster), then its lengths under a ramp and
 * bursts; then multi-turn sessions with shared-prefix groups. Every request of the trace sent,
 * exactly what each schedule asked, the trace's token counts to the token.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE } from '../../core/contract';
import { repoRoot } from '../../core/node/config';
import type { BenchmarkSummary } from '../../core/summary';
import { parseTrace } from '../../core/trace';
import { type DevEnv, failureOf, inProcessWorker, simulatorRecipe, startDevEnv, testConfig } from './harness';

let dev: DevEnv;
beforeAll(async () => {
  dev = await startDevEnv();
});
afterAll(async () => {
  await dev?.teardown();
});

/**
 * Send timing is loadgen/traffic.test.ts's (and bench/trace-replay.ts's) business: here the
 * shared test machine may be busy, and a late timer must not turn these counts into a failure
 * (a send due in the last moments of a short stage whose timer fires after its end is not sent).
 */
const relaxedTiming = { maxScheduleLagP99: '1s', maxEventLoopUtilization: 1, rateTolerancePct: 20 };

const tracePath = join(repoRoot, 'examples', 'traces', 'mooncake-sample.jsonl');

async function run(recipe: Record<string, unknown>, id: string): Promise<BenchmarkSummary> {
  const config = testConfig();
  const worker = await inProcessWorker(dev, config);
  const handle = await dev.env.client.workflow.start(WORKFLOW_TYPE, {
    taskQueue: config.taskQueue,
    workflowId: `${id}-${process.pid}`,
    args: [recipe],
  });
  return (await worker.runUntil(handle.result())) as BenchmarkSummary;
}

describe('realistic traffic through the workflow', () => {
  it('replays a Mooncake trace on its own clock, and drives a ramp and bursts with its lengths', async () => {
    const trace = parseTrace(readFileSync(tracePath, 'utf8'));
    const summary = await run(
      simulatorRecipe({
        service: {
          kind: 'simulator',
          simulator: { ttft: '20ms', itl: '1ms', outputTokens: 20, seed: 3 },
          health: { timeout: '20s', interval: '200ms' },
        },
        workload: {
          kind: 'openai-chat',
          dataset: { trace: { path: tracePath } },
          clients: { count: 2 },
          stages: [
            { name: 'replay', mode: 'trace', speed: 4, duration: '30s', cooldown: '3s' },
            { name: 'ramp', mode: 'ramp', from: 50, to: 10, duration: '2s', cooldown: '2s' },
            { name: 'bursts', mode: 'bursts', burstSize: 8, every: '250ms', duration: '2s', cooldown: '2s' },
          ],
          validity: relaxedTiming,
        },
      }),
      'bench-trace',
    );
    expect(summary.status).toBe('completed');
    const [replay, ramp, bursts] = summary.stages;
    expect(summary.stages.map((s) => [s.name, s.mode, s.validity?.valid])).toEqual([
      ['replay', 'trace', true],
      ['ramp', 'ramp', true],
      ['bursts', 'bursts', true],
    ]);
    // Every line once, over both clients, with the trace's own lengths (the simulator counts
    // words, and asked-for lengths are honoured exactly).
    expect(replay!.requests).toMatchObject({ sent: trace.length, ok: trace.length, failed: 0 });
    expect(replay!.rate.scheduled).toBe(trace.length);
    expect(replay!.rate.deliveryErrorPct).toBe(0);
    expect(replay!.tokens.input).toBe(trace.reduce((a, e) => a + e.inputLength, 0));
    expect(replay!.tokens.output).toBe(trace.reduce((a, e) => a + e.outputLength, 0));
    // The stage lasted the trace (at 4×), not its 30 s bound; its rate is the trace's.
    const spanS = (trace.at(-1)!.timestampMs - trace[0]!.timestampMs) / 4 / 1000;
    expect(replay!.windowS).toBeGreaterThan(spanS);
    expect(replay!.windowS).toBeLessThan(spanS * 1.1);
    expect(replay!.rate.requestedPerS).toBeCloseTo(replay!.rate.achievedPerS, 6);
    // Ramp 50 → 10/s over 2 s: (50 + 10) / 2 × 2 = 60; bursts: 8 × 8 = 64.
    expect(ramp!.rate.scheduled).toBe(60);
    expect(ramp!.requests.sent).toBe(60);
    expect(bursts!.rate.scheduled).toBe(64);
    expect(bursts!.rate.requestedPerS).toBe(32);
    expect(bursts!.requests.sent).toBe(64);
  });

  it('refuses a bad trace before any client job starts, naming the line, without retrying', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aifb-trace-'));
    const path = join(dir, 'bad.jsonl');
    writeFileSync(
      path,
      '{"timestamp": 0, "input_length": 5, "output_length": 2}\n{"timestamp": 5, "input_length": 0}\n',
    );
    const recipe = simulatorRecipe({
      workload: {
        kind: 'openai-chat',
        dataset: { trace: { path } },
        stages: [{ mode: 'trace', duration: '5s' }],
      },
    });
    const err = await failureOf(run(recipe, 'bench-bad-trace'));
    const messages: string[] = [];
    const types: [string | undefined, boolean | undefined][] = [];
    for (let e: unknown = err; e instanceof Error; e = (e as Error).cause) {
      messages.push(e.message);
      const f = e as { type?: string; nonRetryable?: boolean };
      if (f.type !== undefined) types.push([f.type, f.nonRetryable]);
    }
    expect(types).toContainEqual(['BadConfig', true]);
    const all = messages.join('\n');
    expect(all).toContain(`workload.dataset.trace.path: ${path}: bad trace lines (1):`);
    expect(all).toContain('line 2: input_length must be an integer >= 1');
  });

  it('runs multi-turn sessions with shared-prefix groups under gamma arrivals', async () => {
    const summary = await run(
      simulatorRecipe({
        service: {
          kind: 'simulator',
          simulator: { ttft: '10ms', itl: '1ms', outputTokens: 8, seed: 3 },
          health: { timeout: '20s', interval: '200ms' },
        },
        workload: {
          kind: 'openai-chat',
          dataset: {
            synthetic: { inputTokens: 10, outputTokens: 8 },
            sessions: { turns: 3 },
            sharedPrefix: { groups: 2, tokens: 50 },
          },
          clients: { count: 2 },
          stages: [
            { name: 'chat', mode: 'gamma', rate: 40, burstiness: 0.5, duration: '2s', cooldown: '2s' },
            { name: 'user', mode: 'synchronous', maxRequests: 12, cooldown: '2s' },
          ],
          validity: relaxedTiming,
        },
      }),
      'bench-sessions',
    );
    expect(summary.status).toBe('completed');
    const [chat, user] = summary.stages;
    expect(chat!.validity?.valid).toBe(true);
    // Gamma at 40/s with burstiness 0.5 for 2 s, split over both clients: what the schedule asked.
    expect(chat!.rate.scheduled).toBeGreaterThan(40);
    expect(chat!.requests.sent).toBeGreaterThan(0.8 * chat!.rate.scheduled!);
    expect(chat!.requests.failed).toBe(0);
    // One user, 4 sessions of 3 turns: 60, 78 and 96 input words each (the system prompt's 50,
    // user turns of 10, the simulator's replies of 8 words carried along).
    expect(user!.requests).toMatchObject({ sent: 12, ok: 12 });
    expect(user!.tokens.input).toBe(4 * (60 + 78 + 96));
  });
});
