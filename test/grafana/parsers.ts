/**
 * The query languages' real parsers: Prometheus' own (promtool, shipped with the Debian
 * prometheus package, parses every expression of a rule file) and Grafana's LogQL grammar
 * (@grafana/lezer-logql, what Grafana's Loki editor parses with).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { stringify } from 'yaml';
import { binaryPath } from '../../telemetry/embedded';

/**
 * Parses every expression with promtool (`check rules`: one recording rule each). Returns the
 * problems promtool reports, naming the expression; empty when all parse.
 */
export function promtoolProblems(exprs: { where: string; expr: string }[]): string[] {
  const promtool = binaryPath('promtool');
  if (!promtool)
    throw new Error(
      'promtool is not installed: the grafana tier needs the Debian prometheus package (make setup)',
    );
  const file = join(mkdtempSync(join(tmpdir(), 'aifb-promtool-')), 'rules.yml');
  const rules = exprs.map((e, i) => ({ record: `aifb_grafana_check_${i}`, expr: e.expr }));
  writeFileSync(file, stringify({ groups: [{ name: 'grafana', rules }] }));
  const run = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
  if (run.status === 0) return [];
  const out = `${run.stdout}\n${run.stderr}`;
  const named = exprs
    .map((e, i) => ({ e, i }))
    .filter(({ i }) => out.includes(`aifb_grafana_check_${i}"`) || out.includes(`aifb_grafana_check_${i}:`))
    .map(({ e }) => `${e.where}: ${e.expr}`);
  return [`promtool check rules failed (exit ${run.status}): ${out.trim()}`, ...named];
}

export interface LogqlParse {
  errors: number;
  /** Label names in stream selectors and in `by`/`without` groupings. */
  labels: string[];
}

export function parseLogql(expr: string): LogqlParse {
  const tree = logqlParser.parse(expr);
  let errors = 0;
  const labels: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors++;
      if (node.name === 'Identifier') labels.push(expr.slice(node.from, node.to));
    },
  });
  return { errors, labels };
}
