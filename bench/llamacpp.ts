/**
 * aifb against llama.cpp's own per-request timings: `examples/llamacpp-smollm2.yaml` run through
 * the CLI with every request recorded, each record joined with the `timings` llama-server sent
 * for that request. Prints the machine, a table per stage, and last the RESULT line (design.md
 * §6). Not a test: no assertions. Needs `make llm` (the llm test tier runs the same checks).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { RequestRecord } from '../core/loadgen-protocol';
import { repoRoot } from '../core/node/config';
import type { BenchmarkSummary } from '../core/summary';
import { machineLine } from './machine';

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : Number.NaN;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const f = (n: number, d = 3) => (Number.isFinite(n) ? n.toFixed(d) : '-');

execFileSync('bash', ['scripts/llm/install.sh'], { cwd: repoRoot, stdio: 'inherit' });
const recipe = parse(readFileSync(join(repoRoot, 'examples/llamacpp-smollm2.yaml'), 'utf8'));
recipe.workload.recordRequests = true;
const dir = mkdtempSync(join(tmpdir(), 'aifb-bench-llama-'));
const file = join(dir, 'recipe.yaml');
writeFileSync(file, stringify(recipe));
const run = spawnSync(process.execPath, [join(repoRoot, 'bin/aifb.mjs'), 'run', file, '--json'], {
  cwd: repoRoot,
  encoding: 'utf8',
  env: { ...process.env, AIFB_DATA_DIR: join(dir, 'data') },
  maxBuffer: 64 << 20,
});
if (run.status !== 0) {
  console.error(run.stderr);
  throw new Error(`aifb run exited ${run.status}`);
}
const summary = JSON.parse(run.stdout) as BenchmarkSummary;
const records = readFileSync(join(dir, 'data/results', summary.benchmarkId, 'requests.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as RequestRecord)
  .filter((r) => r.ok && r.measured && r.serverTimings && r.tpotMs != null);

console.log(machineLine());
console.log(
  `served: ${summary.service.identity?.models.map((m) => m.id).join(', ')} (${summary.service.identity?.version})`,
);
console.log('stage     n   aifb TPOT p50  llama.cpp p50  diff ms   diff %   |diff| p90 ms  tokens equal');
const result: string[] = [];
for (const [i, stage] of summary.stages.entries()) {
  const rs = records.filter((r) => r.stage === i);
  const ours = median(rs.map((r) => r.tpotMs!));
  const theirs = median(rs.map((r) => r.serverTimings!.predictedPerTokenMs));
  const perRequest = rs.map((r) => Math.abs(r.tpotMs! - r.serverTimings!.predictedPerTokenMs));
  const equal = rs.filter(
    (r) =>
      r.outputTokens === r.serverTimings!.predictedN &&
      r.inputTokens === r.serverTimings!.promptN + (r.serverTimings!.cacheN ?? 0),
  ).length;
  console.log(
    `${stage.name.padEnd(8)} ${String(rs.length).padStart(3)}   ${f(ours).padStart(12)}  ${f(theirs).padStart(13)}  ${f(ours - theirs).padStart(7)}  ${f((100 * (ours - theirs)) / theirs, 2).padStart(7)}  ${f(quantile(perRequest, 0.9)).padStart(13)}  ${equal}/${rs.length}`,
  );
  result.push(
    `${stage.name}_tpot_p50_ms=${f(ours)}`,
    `${stage.name}_server_tpot_p50_ms=${f(theirs)}`,
    `${stage.name}_tpot_diff_pct=${f((100 * (ours - theirs)) / theirs, 2)}`,
    `${stage.name}_failed=${stage.requests.failed}`,
  );
}
console.log(['RESULT', ...result].join(' '));
