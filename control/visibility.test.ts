import { describe, expect, it } from 'vitest';
import { buildListQuery, quote, runStatusOf } from './visibility';

describe('buildListQuery', () => {
  it('always restricts to the benchmark workflow type', () => {
    expect(buildListQuery({}, 'benchmarkWorkflow')).toBe("WorkflowType = 'benchmarkWorkflow'");
  });

  it('ANDs every filter, with our status names mapped to ExecutionStatus', () => {
    const query = buildListQuery(
      {
        status: 'cancelled',
        phase: 'loading',
        recipe: 'demo',
        serviceKind: 'simulator',
        executor: 'slurm',
        startedAfter: '2026-01-02T03:04:05+01:00',
        startedBefore: '2026-01-03',
      },
      'benchmarkWorkflow',
    );
    expect(query).toBe(
      "WorkflowType = 'benchmarkWorkflow' AND ExecutionStatus = 'Canceled' AND AifbPhase = 'loading'" +
        " AND AifbRecipe = 'demo' AND AifbServiceKind = 'simulator' AND AifbExecutor = 'slurm'" +
        " AND StartTime >= '2026-01-02T02:04:05.000Z' AND StartTime < '2026-01-03T00:00:00.000Z'",
    );
  });

  it('escapes quotes so a value cannot end the literal', () => {
    expect(quote("x' OR WorkflowId != '")).toBe("'x\\' OR WorkflowId != \\''");
    expect(buildListQuery({ recipe: "a'b" }, 'w')).toBe("WorkflowType = 'w' AND AifbRecipe = 'a\\'b'");
  });

  it('rejects a time it cannot read, naming the field', () => {
    expect(() => buildListQuery({ startedAfter: 'yesterday-ish' }, 'w')).toThrow(/startedAfter/);
  });
});

describe('runStatusOf', () => {
  it('maps Temporal status codes', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(runStatusOf)).toEqual([
      'running',
      'completed',
      'failed',
      'cancelled',
      'terminated',
      'continued-as-new',
      'timed-out',
    ]);
  });
});
