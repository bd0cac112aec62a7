/** The results history files (core/history.ts): appended at each run's end, read by lastGood and trends. */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type HistoryEntry, parseHistory } from '../history';
import { type AifbConfig, paths } from './config';

/** Every entry of a recipe's history, oldest first ([] when it has none yet). */
export async function readHistory(config: AifbConfig, recipeName: string): Promise<HistoryEntry[]> {
  return parseHistory(await historyText(config, recipeName));
}

async function historyText(config: AifbConfig, recipeName: string): Promise<string> {
  return readFile(paths.history(config, recipeName), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
}

/**
 * Appends one run's entry. Idempotent: a retried write of the same entry adds nothing; a changed
 * one (a run that failed after its results were written) is appended and wins on reading. One
 * write of one line with O_APPEND: runs of one recipe ending at once do not interleave lines.
 */
export async function appendHistory(config: AifbConfig, entry: HistoryEntry): Promise<boolean> {
  const file = paths.history(config, entry.recipeName);
  const line = JSON.stringify(entry);
  const text = await historyText(config, entry.recipeName);
  // Parsed only when the run is there already: a history of thousands of runs is not parsed at
  // every run's end (bench:orchestration, 1,000 runs of one recipe).
  const previous = text.includes(`"benchmarkId":${JSON.stringify(entry.benchmarkId)}`)
    ? parseHistory(text).find((e) => e.benchmarkId === entry.benchmarkId)
    : undefined;
  if (previous && JSON.stringify(previous) === line) return false;
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${line}\n`, { flag: 'a' });
  return true;
}
