/**
 * `aifb report ID [ID...]`: writes `<name>.html` (self-contained) and `<name>.md` with its
 * figures in `<name>-figures/*.svg`, drawn from each benchmark's report data (the API's or the
 * worker's data folder: the same files either way).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BenchmarkControl } from '../control/types';
import { renderReport } from '../report/render';
import { EXIT, ExitCode } from './exit';

export interface ReportOptions {
  out: string;
  name?: string;
  format: string;
}

const FORMATS = ['both', 'html', 'md'];

/** `report-<first id>`, `-and-<n>-more` when comparing. */
export function defaultReportName(ids: readonly string[]): string {
  return `report-${ids[0]}${ids.length > 1 ? `-and-${ids.length - 1}-more` : ''}`;
}

export async function writeReport(
  control: BenchmarkControl,
  ids: readonly string[],
  options: ReportOptions,
): Promise<string[]> {
  if (!FORMATS.includes(options.format)) {
    console.error(`--format: ${FORMATS.join(', ')} (got ${options.format})`);
    throw new ExitCode(EXIT.badInput);
  }
  const name = options.name ?? defaultReportName(ids);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(name)) {
    console.error(`--name: letters, digits, . _ - (got ${JSON.stringify(name)})`);
    throw new ExitCode(EXIT.badInput);
  }
  const data = [];
  for (const id of ids) data.push(await control.report(id));
  const figuresDir = `${name}-figures`;
  const report = renderReport(data, { figures: { dir: figuresDir } });
  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  const written: string[] = [];
  if (options.format !== 'md') {
    await writeFile(join(out, `${name}.html`), report.html);
    written.push(join(out, `${name}.html`));
  }
  if (options.format !== 'html') {
    // A rewrite leaves no figure of an earlier report behind.
    await rm(join(out, figuresDir), { recursive: true, force: true });
    await mkdir(join(out, figuresDir));
    for (const f of report.figures) await writeFile(join(out, figuresDir, `${f.id}.svg`), f.svg);
    await writeFile(join(out, `${name}.md`), report.markdown);
    written.push(join(out, `${name}.md`), `${join(out, figuresDir)}/ (${report.figures.length} figures)`);
  }
  return written;
}
