import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HISTORY_SCHEMA, type HistoryEntry, historyEntryOf, lastGood, parseHistory } from './history';
import type { AifbConfig } from './node/config';
import { paths } from './node/config';
import { appendHistory, readHistory } from './node/history-file';
import { PathEscapeError } from './node/safe-path';
import { referencesSchema } from './references';
import type { BenchmarkSummary } from './summary-format';
import { judgeRun } from './verdict';

const HASH = 'sha256:aaaa';

/** A hand-made summary: one stage c8 with req/s and TTFT p99. */
function summary(
  id: string,
  rps: number,
  ttftP99: number,
  over: Partial<BenchmarkSummary> = {},
): BenchmarkSummary {
  return {
    schema: 'aifb.summary/v3',
    benchmarkId: id,
    recipeName: 'nightly',
    status: 'completed',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: `2026-01-0${id.slice(-1)}T01:00:00.000Z`,
    executor: 'local',
    service: { kind: 'simulator', model: 'aifb-sim', endpoint: null },
    collectedOn: { hostname: 'h', cpus: 2, node: 'v20' },
    environment: {
      aifb: { version: '0.1.0', commit: null, node: 'v20' },
      recipeHash: HASH,
      service: { kind: 'simulator', model: 'aifb-sim', version: null, models: [] },
      nodes: ['n1'],
      jobs: [],
    },
    stages: [
      {
        name: 'c8',
        mode: 'concurrency',
        throughput: { requestsPerS: rps, outputTokensPerS: rps * 64, totalTokensPerS: 0 },
        latencyMs: {
          ttft: { p50: ttftP99 / 2, p99: ttftP99 },
          tpot: null,
          itl: null,
          e2e: null,
          itlPerToken: null,
        },
        requests: { failed: 0 },
        validity: { valid: true, failures: [] },
      } as unknown as BenchmarkSummary['stages'][number],
    ],
    ...over,
  };
}

const entry = (s: BenchmarkSummary) => historyEntryOf(s);
const lines = (...entries: HistoryEntry[]) => entries.map((e) => JSON.stringify(e)).join('\n');

describe('history entries', () => {
  it("keep the run, its versions and hash, its verdict and each stage's headline figures", () => {
    const e = entry(summary('bench-nightly-1', 14.6, 54));
    expect(e).toMatchObject({
      schema: HISTORY_SCHEMA,
      benchmarkId: 'bench-nightly-1',
      recipeHash: HASH,
      status: 'completed',
      verdict: null,
      stages: [
        {
          name: 'c8',
          valid: true,
          figures: {
            'throughput.requestsPerS': 14.6,
            'latencyMs.ttft.p99': 54,
            'latencyMs.ttft.p50': 27,
            'requests.failed': 0,
          },
        },
      ],
    });
    expect(JSON.stringify(e).length).toBeLessThan(1500);
  });

  it('parse skips torn and foreign lines; a run written twice counts once, as its last line says', () => {
    const first = entry(summary('bench-nightly-1', 14, 50));
    const again = { ...first, status: 'failed' as const };
    const other = entry(summary('bench-nightly-2', 15, 50));
    const text = `${lines(first, other)}\n{"schema":"x"}\nnot json\n${JSON.stringify(again)}\n{"schema":"aifb.hist`;
    expect(parseHistory(text).map((e) => [e.benchmarkId, e.status])).toEqual([
      ['bench-nightly-1', 'failed'],
      ['bench-nightly-2', 'completed'],
    ]);
  });

  it('the last good run: newest completed run without a failed verdict, same recipe hash, not itself', () => {
    const good1 = entry(summary('bench-nightly-1', 14, 50));
    const good2 = entry(summary('bench-nightly-2', 15, 50));
    const invalid = entry(summary('bench-nightly-3', 15, 50, { status: 'invalid' }));
    const regressed = {
      ...entry(summary('bench-nightly-4', 15, 50)),
      verdict: { outcome: 'fail' as const, checked: 1, failed: 1 },
    };
    const otherRecipe = { ...entry(summary('bench-nightly-5', 15, 50)), recipeHash: 'sha256:bbbb' };
    const all = [good1, good2, invalid, regressed, otherRecipe];
    expect(lastGood(all, HASH)?.benchmarkId).toBe('bench-nightly-2');
    expect(lastGood(all, HASH, 'bench-nightly-2')?.benchmarkId).toBe('bench-nightly-1');
    expect(lastGood(all, 'sha256:bbbb')?.benchmarkId).toBe('bench-nightly-5');
    expect(lastGood(all, 'sha256:cccc')).toBeUndefined();
  });
});

describe('judgeRun', () => {
  const refs = referencesSchema.parse({
    stages: { c8: { 'latencyMs.ttft.p99': [50, null, 0.2, 'ms'] } },
    lastGood: { tolerance: '10%', figures: ['throughput.requestsPerS', 'latencyMs.ttft.p99'] },
  });
  const history = [entry(summary('bench-nightly-1', 14, 50)), entry(summary('bench-nightly-2', 15, 52))];

  it('no references: no verdict', () => {
    expect(judgeRun(summary('bench-nightly-3', 15, 52), undefined, history)).toBeUndefined();
  });

  it('checks the recipe references and the last good run; a run as good passes', () => {
    const v = judgeRun(summary('bench-nightly-3', 15, 52), refs, history)!;
    expect(v.outcome).toBe('pass');
    expect(v.checks.map((c) => [c.source, c.figure, c.from ?? null])).toEqual([
      ['recipe', 'latencyMs.ttft.p99', null],
      ['last-good', 'throughput.requestsPerS', 'bench-nightly-2'],
      ['last-good', 'latencyMs.ttft.p99', 'bench-nightly-2'],
    ]);
  });

  it('a made-up regression (throughput −20%) fails against the last good run only', () => {
    const v = judgeRun(summary('bench-nightly-3', 12, 52), refs, history)!;
    expect(v).toMatchObject({ outcome: 'fail', failed: 1 });
    expect(v.checks.find((c) => !c.pass)).toMatchObject({
      source: 'last-good',
      figure: 'throughput.requestsPerS',
      reason: '12 below 13.5 (reference 15 -10%)',
    });
  });

  it('without an earlier good run the verdict says so and checks the recipe references alone', () => {
    const v = judgeRun(summary('bench-nightly-1', 14, 50), refs, [])!;
    expect(v.checks).toHaveLength(1);
    expect(v.notes[0]).toMatch(/^no earlier good run of nightly with recipe sha256:aaaa/);
  });
});

describe('history files', () => {
  const config = (): AifbConfig => ({
    dataDir: mkdtempSync(join(tmpdir(), 'aifb-history-')),
    distDir: '/nonexistent',
    taskQueue: 'q',
  });

  it('append once per run (a retry adds nothing, a changed entry wins), read oldest first', async () => {
    const c = config();
    const e1 = entry(summary('bench-nightly-1', 14, 50));
    expect(await readHistory(c, 'nightly')).toEqual([]);
    expect(await appendHistory(c, e1)).toBe(true);
    expect(await appendHistory(c, e1)).toBe(false);
    expect(await appendHistory(c, entry(summary('bench-nightly-2', 15, 50)))).toBe(true);
    expect(await appendHistory(c, { ...e1, status: 'failed' })).toBe(true);
    const file = join(c.dataDir, 'history', 'nightly.jsonl');
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(3);
    expect((await readHistory(c, 'nightly')).map((e) => [e.benchmarkId, e.status])).toEqual([
      ['bench-nightly-1', 'failed'],
      ['bench-nightly-2', 'completed'],
    ]);
  });

  it('a name that is not a recipe name never names a path, inside history/ or out', async () => {
    const c = config();
    for (const bad of ['../escape', 'a/b', '..', '', 'UPPER', `x${'y'.repeat(60)}`, 'a\0b']) {
      expect(() => paths.history(c, bad)).toThrow(PathEscapeError);
    }
    await expect(readHistory(c, '../results/x')).rejects.toThrow(PathEscapeError);
    // A stray file beside it is not read as history.
    await mkdir(join(c.dataDir, 'history'), { recursive: true });
    writeFileSync(join(dirname(paths.history(c, 'nightly')), 'nightly.jsonl.bak'), 'x');
    expect(await readHistory(c, 'nightly')).toEqual([]);
  });
});
