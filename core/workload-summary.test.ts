import { describe, expect, it } from 'vitest';
import type { ClientResult, WorkloadResult } from './loadgen-protocol';
import { summarizeWorkload } from './workload-summary';

/** Just what summarizeWorkload reads of a client's result. */
const client = (workload: WorkloadResult | undefined, windowS = 10) =>
  ({ windowStartMs: 0, windowEndMs: windowS * 1000, workload }) as ClientResult;

describe('workload summary ratios', () => {
  it('recall is the summed hits over the summed possible hits, not a mean of the clients’ recalls', () => {
    const s = summarizeWorkload([
      client({ counters: { recallHits: 90, recallPossible: 100 } }),
      client({ counters: { recallHits: 10, recallPossible: 100 } }),
      client({ counters: { recallHits: 300, recallPossible: 300 } }),
    ]);
    expect(s?.counters).toEqual({ recallHits: 400, recallPossible: 500 });
    expect(s?.ratios).toEqual({ recall: 0.8 });
  });

  it('is null with nothing possible, and absent where its counters are', () => {
    expect(summarizeWorkload([client({ counters: { recallHits: 0, recallPossible: 0 } })])?.ratios).toEqual({
      recall: null,
    });
    expect(summarizeWorkload([client({ counters: { items: 5 } })])).not.toHaveProperty('ratios');
  });

  it('merges the preparation phases: items summed, the longest client’s time', () => {
    const s = summarizeWorkload([
      client({ phases: { insert: { items: 500, failed: 0, durationMs: 2000 } } }),
      client({ phases: { insert: { items: 500, failed: 0, durationMs: 4000 } } }),
      client({}),
    ]);
    expect(s?.phases.insert).toEqual({
      items: 1000,
      failed: 0,
      durationMs: 4000,
      itemsPerS: 250,
      latencyMs: null,
    });
  });
});
