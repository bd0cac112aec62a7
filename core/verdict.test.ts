import { describe, expect, it } from 'vitest';
import { figureOf, headlineFigures } from './figures';
import { mergeReferences, referencesSchema } from './references';
import { boundsOf, checkFigure, judgeStages, referencesFromRun, regressionLines, verdictOf } from './verdict';

/** Hand-made stage summaries: only what the verdict reads. */
const stage = (name: string, rps: number, ttftP99: number, extra: object = {}) => ({
  name,
  throughput: { requestsPerS: rps, outputTokensPerS: rps * 64 },
  latencyMs: { ttft: { p50: ttftP99 / 2, p99: ttftP99 }, tpot: null },
  requests: { failed: 0 },
  ...extra,
});

const refs = (input: unknown) => {
  const parsed = referencesSchema.safeParse(input);
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.data;
};

describe('checkFigure (ReFrame bounds: value + lower·|value| .. value + upper·|value|)', () => {
  const ref = { value: 50, lower: -0.1, upper: 0.2, unit: 'ms' };

  it('passes inside the bounds, on them too', () => {
    expect(boundsOf(ref)).toEqual({ low: 45, high: 60 });
    for (const value of [45, 50, 60]) expect(checkFigure({ value }, ref).pass).toBe(true);
  });

  it('fails above the upper and below the lower bound, saying which and why', () => {
    const above = checkFigure({ value: 61 }, ref);
    expect(above).toMatchObject({ pass: false, value: 61 });
    expect(above.reason).toBe('61 above 60 (reference 50 +20%)');
    expect(checkFigure({ value: 44.5 }, ref).reason).toBe('44.5 below 45 (reference 50 -10%)');
  });

  it('null thresholds leave that side unbounded', () => {
    const onlyUpper = { value: 50, lower: null, upper: 0, unit: 'ms' };
    expect(boundsOf(onlyUpper)).toEqual({ low: null, high: 50 });
    expect(checkFigure({ value: 0.001 }, onlyUpper).pass).toBe(true);
    expect(checkFigure({ value: 50.01 }, onlyUpper).pass).toBe(false);
  });

  it('a reference of 0 allows exactly 0 (no failures allowed), a negative value scales by |value|', () => {
    const zero = { value: 0, lower: null, upper: 0.5, unit: 'requests' };
    expect(checkFigure({ value: 0 }, zero).pass).toBe(true);
    expect(checkFigure({ value: 1 }, zero).pass).toBe(false);
    expect(boundsOf({ value: -10, lower: -0.1, upper: 0.1, unit: 'x' })).toEqual({ low: -11, high: -9 });
  });

  it('a figure the result lacks fails', () => {
    expect(checkFigure(null, ref)).toMatchObject({ pass: false, value: null, reason: 'not in the result' });
  });

  it('an interval fails only when it lies wholly outside the bounds', () => {
    expect(checkFigure({ value: 62, interval: { low: 59, high: 65 } }, ref).pass).toBe(true);
    const out = checkFigure({ value: 63, interval: { low: 61, high: 65 } }, ref);
    expect(out).toMatchObject({ pass: false, interval: { low: 61, high: 65 } });
    expect(out.reason).toBe('interval [61, 65] above 60 (reference 50 +20%)');
  });

  it("a reference's own interval widens the bounds to its ends", () => {
    const withCi = { ...ref, interval: { low: 40, high: 55 } };
    expect(boundsOf(withCi)).toEqual({ low: 36, high: 66 });
    expect(checkFigure({ value: 65 }, withCi).pass).toBe(true);
  });
});

describe('judgeStages', () => {
  const result = [stage('c8', 14.6, 54), stage('c16', 20, 120)];

  it('checks every named figure of every stage; "*" applies to all, a stage\'s own wins', () => {
    const checks = judgeStages(
      result,
      refs({
        stages: {
          '*': { 'latencyMs.ttft.p99': [50, null, 0.2, 'ms'] },
          c16: { 'latencyMs.ttft.p99': [100, null, '25%'], 'throughput.requestsPerS': [22, '-10%', null] },
        },
      }).stages,
      'recipe',
    );
    expect(checks.map((c) => [c.stage, c.figure, c.pass])).toEqual([
      ['c8', 'latencyMs.ttft.p99', true],
      ['c16', 'latencyMs.ttft.p99', true],
      ['c16', 'throughput.requestsPerS', true],
    ]);
    expect(checks[1]).toMatchObject({ label: 'TTFT p99', unit: 'ms', bounds: { low: null, high: 125 } });
  });

  it('a regression fails its check; a stage or figure the result lacks fails too', () => {
    const checks = judgeStages(
      result,
      refs({
        stages: {
          c8: { 'latencyMs.ttft.p99': [40, null, 0.1, 'ms'], 'latencyMs.tpot.p99': [5, null, 0.1] },
          c32: { 'throughput.requestsPerS': [30, -0.1, null] },
        },
      }).stages,
      'refs-file',
    );
    const verdict = verdictOf(checks);
    expect(verdict).toMatchObject({ outcome: 'fail', checked: 3, failed: 3 });
    expect(regressionLines(verdict)).toEqual([
      'c8 TTFT p99: 54 above 44 (reference 40 +10%) [refs-file]',
      'c8 TPOT p99: not in the result [refs-file]',
      'c32 stage: the stage is not in the result [refs-file]',
    ]);
  });

  it('no references: outcome none, not pass', () => {
    expect(verdictOf([], ['no earlier good run'])).toEqual({
      outcome: 'none',
      checked: 0,
      failed: 0,
      checks: [],
      notes: ['no earlier good run'],
    });
  });
});

describe('referencesFromRun (last good run, baseline)', () => {
  const good = [stage('c8', 14.6, 54)];
  const spec = {
    tolerance: 0.1,
    figures: ['throughput.requestsPerS', 'latencyMs.ttft.p99', 'latencyMs.tpot.p50'],
  };

  it('bounds each figure on its worse side only, skips figures the reference lacks', () => {
    expect(referencesFromRun(good, spec)).toEqual({
      c8: {
        'throughput.requestsPerS': { value: 14.6, lower: -0.1, upper: null, unit: 'req/s' },
        'latencyMs.ttft.p99': { value: 54, lower: null, upper: 0.1, unit: 'ms' },
      },
    });
  });

  it('a better run passes, a worse one beyond the tolerance fails', () => {
    const ref = referencesFromRun(good, spec);
    const better = verdictOf(judgeStages([stage('c8', 30, 20)], ref, 'last-good', 'bench-x-1'));
    expect(better.outcome).toBe('pass');
    const worse = verdictOf(judgeStages([stage('c8', 13, 60)], ref, 'last-good', 'bench-x-1'));
    expect(worse.checks.map((c) => [c.figure, c.pass])).toEqual([
      ['throughput.requestsPerS', false],
      ['latencyMs.ttft.p99', false],
    ]);
    expect(worse.checks[0]!.from).toBe('bench-x-1');
  });

  it('carries a reference interval along', () => {
    const withCi = [
      stage('c8', 14.6, 54, { intervals: { 'latencyMs.ttft.p99': { mean: 54, ciLow: 50, ciHigh: 58 } } }),
    ];
    expect(referencesFromRun(withCi, spec).c8!['latencyMs.ttft.p99']).toEqual({
      value: 54,
      lower: null,
      upper: 0.1,
      unit: 'ms',
      interval: { low: 50, high: 58 },
    });
  });
});

describe('figureOf', () => {
  it('reads a dotted path, a flat map keyed by the path, and intervals at either place', () => {
    const s = stage('c8', 14.6, 54);
    expect(figureOf(s, 'latencyMs.ttft.p99')).toEqual({ value: 54 });
    expect(figureOf(s, 'latencyMs.tpot.p99')).toBeNull();
    expect(figureOf({ 'latencyMs.ttft.p99': 7 }, 'latencyMs.ttft.p99')).toEqual({ value: 7 });
    expect(
      figureOf(
        { throughput: { requestsPerS: { mean: 10, ciLow: 9, ciHigh: 11 } } },
        'throughput.requestsPerS',
      ),
    ).toEqual({
      value: 10,
      interval: { low: 9, high: 11 },
    });
    const beside = { ...s, intervals: { 'latencyMs.ttft.p99': { mean: 55, ciLow: 52, ciHigh: 58 } } };
    expect(figureOf(beside, 'latencyMs.ttft.p99')).toEqual({ value: 54, interval: { low: 52, high: 58 } });
    expect(headlineFigures(beside)).toMatchObject({
      'throughput.requestsPerS': 14.6,
      'latencyMs.ttft.p99': { mean: 54, ciLow: 52, ciHigh: 58 },
      'requests.failed': 0,
    });
  });
});

describe('references schema', () => {
  const issues = (input: unknown) => {
    const parsed = referencesSchema.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('takes ReFrame tuples with or without unit, objects, fractions and percentages', () => {
    expect(
      refs({
        stages: {
          c8: {
            'throughput.requestsPerS': [14.6, '-10%', null, 'req/s'],
            'latencyMs.ttft.p99': { value: 54, upper: 0.2 },
          },
        },
      }).stages.c8,
    ).toEqual({
      'throughput.requestsPerS': { value: 14.6, lower: -0.1, upper: null, unit: 'req/s' },
      'latencyMs.ttft.p99': { value: 54, lower: null, upper: 0.2, unit: 'ms' },
    });
  });

  it('lastGood: true takes the default tolerance and headline figures', () => {
    const r = refs({ lastGood: true });
    expect(r.lastGood?.tolerance).toBe(0.1);
    expect(r.lastGood?.figures).toContain('latencyMs.ttft.p99');
    expect(refs({ lastGood: { tolerance: '5%', figures: ['throughput.requestsPerS'] } }).lastGood).toEqual({
      tolerance: 0.05,
      figures: ['throughput.requestsPerS'],
    });
  });

  it('refuses unknown figures, wrong units, thresholds on the wrong side, with their paths', () => {
    expect(issues({ stages: { c8: { 'latencyMs.ttft.p98': [1, null, 0.1] } } })).toEqual([
      expect.stringMatching(/^stages\.c8\.latencyMs\.ttft\.p98: unknown figure/),
    ]);
    expect(issues({ stages: { c8: { 'latencyMs.ttft.p99': [1, null, 0.1, 's'] } } })).toEqual([
      'stages.c8.latencyMs.ttft.p99: unit "s" is not the figure\'s unit (ms)',
    ]);
    expect(issues({ stages: { c8: { 'latencyMs.ttft.p99': [1, 0.1, 0.1] } } }).join()).toMatch(
      /lower must be/,
    );
    expect(issues({ stages: { c8: { 'latencyMs.ttft.p99': [1, null, '-5%'] } } }).join()).toMatch(
      /upper must be/,
    );
    expect(issues({ stages: { c8: { 'latencyMs.ttft.p99': 54 } } }).join()).toMatch(
      /expected \[value, lower, upper, unit\]/,
    );
    expect(issues({ lastGood: { figures: ['nope'] } }).join()).toMatch(
      /lastGood\.figures\.0: unknown figure "nope"/,
    );
    expect(issues({ stages: { 'Bad Name': {} } })).toEqual(['stages.Bad Name: not a stage name (nor "*")']);
  });
});

describe("mergeReferences (a refs file under a recipe's own)", () => {
  it("the recipe's references win per stage and figure; its lastGood when it has one", () => {
    const file = refs({
      stages: {
        c8: { 'latencyMs.ttft.p99': [60, null, 0.1], 'throughput.requestsPerS': [10, -0.1, null] },
        c16: { 'requests.failed': [0, null, 0] },
      },
      lastGood: { tolerance: '20%' },
    });
    const merged = refs(mergeReferences({ stages: { c8: { 'latencyMs.ttft.p99': [50, null, 0.2] } } }, file));
    expect(merged.stages.c8!['latencyMs.ttft.p99']).toEqual({
      value: 50,
      lower: null,
      upper: 0.2,
      unit: 'ms',
    });
    expect(merged.stages.c8!['throughput.requestsPerS']?.value).toBe(10);
    expect(Object.keys(merged.stages.c16!)).toEqual(['requests.failed']);
    expect(merged.lastGood?.tolerance).toBe(0.2);
    expect(refs(mergeReferences({ lastGood: true }, file)).lastGood?.tolerance).toBe(0.1);
    expect(refs(mergeReferences(undefined, file)).stages).toEqual(file.stages);
  });
});
