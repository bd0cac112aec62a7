/** `aifb compare` on summary.json files, as CI runs it: exit 1 on a made-up regression with --fail-on-regression. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'aifb-compare-'));

function summaryFile(name: string, rps: number, ttftP99: number): string {
  const file = join(dir, `${name}.json`);
  const stage = {
    name: 'c8',
    mode: 'concurrency',
    throughput: { requestsPerS: rps, outputTokensPerS: rps * 64, totalTokensPerS: 0 },
    rate: { achievedPerS: rps },
    requests: { ok: 100, failed: 0, errors: {} },
    latencyMs: {
      ttft: { p50: ttftP99 / 2, p99: ttftP99 },
      tpot: null,
      itl: null,
      itlPerToken: null,
      e2e: null,
    },
    serviceTimeMs: { ttft: null, e2e: null },
    goodput: null,
  };
  const summary = {
    schema: 'aifb.summary/v3',
    benchmarkId: `bench-nightly-${name}`,
    recipeName: 'nightly',
    status: 'completed',
    executor: 'local',
    service: { kind: 'simulator', model: 'aifb-sim', endpoint: null },
    stages: [stage],
  };
  writeFileSync(file, JSON.stringify(summary));
  return file;
}

async function aifb(...args: string[]) {
  const { main } = await import('./main');
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    return { code: await main(['node', 'aifb', ...args]), stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('aifb compare --fail-on-regression on files', () => {
  const good = summaryFile('good', 14.6, 54);
  const same = summaryFile('same', 14.4, 55);
  // A made-up regression: TTFT p99 twice as long.
  const worse = summaryFile('worse', 14.6, 108);

  it('exit 0 when B is within the tolerance, 1 when it regressed, 0 without the flag', async () => {
    expect((await aifb('compare', good, same, '--fail-on-regression')).code).toBe(0);
    const regressed = await aifb('compare', good, worse, '--fail-on-regression');
    expect(regressed.code).toBe(1);
    expect(regressed.stdout).toContain(
      'c8 TTFT p99: 108 above 59.4 (reference 54 +10%) [baseline bench-nightly-good]',
    );
    expect((await aifb('compare', good, worse)).code).toBe(0);
    // A wider tolerance lets it through.
    expect((await aifb('compare', good, worse, '--tolerance', '150%', '--fail-on-regression')).code).toBe(0);
  });

  it('against a refs file (ReFrame tuples): exit 1 on a figure out of bounds; JSON says which', async () => {
    const refs = join(dir, 'refs.yaml');
    writeFileSync(
      refs,
      'stages:\n  c8:\n    latencyMs.ttft.p99: [54, null, 0.2, ms]\n    throughput.requestsPerS: [14, -0.1, null, req/s]\n',
    );
    expect((await aifb('compare', good, '--refs', refs, '--fail-on-regression')).code).toBe(0);
    const judged = await aifb('compare', worse, '--refs', refs, '--fail-on-regression', '--json');
    expect(judged.code).toBe(1);
    const report = JSON.parse(judged.stdout) as {
      regression: boolean;
      verdicts: { refs: { checks: { figure: string; pass: boolean }[] } };
    };
    expect(report.regression).toBe(true);
    expect(report.verdicts.refs.checks.map((c) => [c.figure, c.pass])).toEqual([
      ['latencyMs.ttft.p99', false],
      ['throughput.requestsPerS', true],
    ]);
  });

  it('bad input exits 2: a refs file with a wrong figure, a file that is no summary, a bad tolerance', async () => {
    const refs = join(dir, 'bad-refs.yaml');
    writeFileSync(refs, 'stages:\n  c8:\n    latencyMs.ttft.p98: [54, null, 0.2]\n');
    const badRefs = await aifb('compare', good, '--refs', refs);
    expect(badRefs.code).toBe(2);
    expect(badRefs.stderr).toContain('stages.c8.latencyMs.ttft.p98: unknown figure');
    const notSummary = join(dir, 'x.json');
    writeFileSync(notSummary, '{"hello": 1}');
    expect((await aifb('compare', good, notSummary)).stderr).toContain('not an aifb summary.json');
    expect((await aifb('compare', good, join(dir, 'missing.json'))).code).toBe(2);
    expect((await aifb('compare', good, same, '--tolerance', 'lots')).code).toBe(2);
  });
});

describe('a refs file at run time (aifb run / schedule create --refs)', () => {
  it("adds its references under the recipe's own; a bad one is exit 2 before anything starts", async () => {
    const { loadValidRecipe } = await import('./recipe-input');
    const refs = join(dir, 'run-refs.yaml');
    writeFileSync(refs, 'stages:\n  c8:\n    latencyMs.ttft.p50: [40, null, 25%, ms]\nlastGood: true\n');
    const { recipe } = await loadValidRecipe('examples/demo.yaml', refs);
    expect(recipe.references?.stages.c8?.['latencyMs.ttft.p50']).toEqual({
      value: 40,
      lower: null,
      upper: 0.25,
      unit: 'ms',
    });
    expect(recipe.references?.lastGood?.tolerance).toBe(0.1);
    writeFileSync(refs, 'stages:\n  c8:\n    latencyMs.ttft.p50: [40, 0.5, 25%]\n');
    const bad = await aifb('run', 'examples/demo.yaml', '--refs', refs);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('stages.c8.latencyMs.ttft.p50');
  });
});
