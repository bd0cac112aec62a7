// Trace replay on its own clock, timed: each request within 2 ms of its trace time (p99) at
// 100 req/s. In this tier because its files run one at a time: in the unit tier other files'
// CPU bursts on a 2-core machine preempt the client by tens of ms (bench:trace measures it with
// and without real-time priority). A whole replay must meet it; it is retried once for a
// preemption by something outside the test.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeHistogram, summarize } from '../../core/histograms';
import { runLoadgen } from '../../loadgen/runner';
import { type SseServer, startSseServer, syntheticTrace, validConfig } from '../../loadgen/testing';

let server: SseServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('trace replay timing', () => {
  // 300 requests over 3 s (100 req/s on average) at irregular, seeded times, some at the same ms.
  const { text: trace } = syntheticTrace(300, 10);

  it('sends each request at its trace time: p99 schedule lag <= 2 ms at 100 req/s', {
    retry: 1,
  }, async () => {
    server = await startSseServer({ ttftMs: 0, tokens: 2, gapMs: 0 });
    const outDir = mkdtempSync(join(tmpdir(), 'trace-timing-'));
    writeFileSync(join(outDir, 'trace.jsonl'), trace);
    const r = await runLoadgen(
      {
        ...validConfig,
        baseUrl: server.url,
        clientCount: 1,
        load: { mode: 'trace', speed: 1 },
        timing: { warmupMs: 0, durationMs: 30_000, cooldownMs: 1000 },
        dataset: {
          trace: { format: 'mooncake', file: 'trace.jsonl', blockSize: 8 },
          seed: 1,
          exactOutputLength: true,
        },
      },
      { clientIndex: 0, outDir, startAtMs: Date.now() + 200, log: () => {} },
    );
    expect(r.total).toMatchObject({ sent: 300, ok: 300, failed: 0 });
    const lag = summarize(decodeHistogram(r.histograms.scheduleLag));
    console.log(
      `trace replay, 100 req/s: schedule lag p50 ${lag.p50.toFixed(3)} ms, p99 ${lag.p99.toFixed(3)} ms, max ${lag.max.toFixed(3)} ms`,
    );
    expect(lag.count).toBe(300);
    expect(lag.p99).toBeLessThanOrEqual(2);
  });
});
