/** Reads a benchmark's copied job logs (data/logs/<id>/<component>.log) for `logs` and `logs --follow`. */
import { open, readdir, stat } from 'node:fs/promises';
import { insideDir, PathEscapeError } from '../core/node/safe-path';
import { ControlError, type LogsOptions, type LogsView } from './types';

/** At most this much text per answer; `--follow` picks up the rest on its next poll. */
const MAX_BYTES = 1 << 20;

async function readRange(file: string, start: number, end: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.max(0, end - start));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

export function lastLines(text: string, count: number): string {
  const lines = text.split('\n');
  const trailingNewline = lines.at(-1) === '';
  if (trailingNewline) lines.pop();
  const kept = lines.slice(Math.max(0, lines.length - count)).join('\n');
  return kept.length > 0 && trailingNewline ? `${kept}\n` : kept;
}

/** The component's file, refused (400-kind) when it would resolve outside the benchmark's folder. */
function logFile(logsDir: string, component: string): string {
  try {
    return insideDir(logsDir, `${component}.log`);
  } catch (err) {
    if (err instanceof PathEscapeError) {
      throw new ControlError('invalid-input', `not a log component: ${JSON.stringify(component)}`);
    }
    throw err;
  }
}

export async function readLogs(
  logsDir: string,
  benchmarkId: string,
  options: LogsOptions,
): Promise<LogsView> {
  const wanted = options.component === undefined ? undefined : logFile(logsDir, options.component);
  const files = await readdir(logsDir).catch(() => undefined);
  if (!files) throw new ControlError('not-found', `no logs for ${benchmarkId} (yet) in ${logsDir}`);
  const components = files
    .filter((f) => f.endsWith('.log'))
    .map((f) => f.slice(0, -'.log'.length))
    .sort();
  const component = options.component ?? (components.includes('service') ? 'service' : components[0]);
  if (component === undefined || !components.includes(component)) {
    throw new ControlError(
      'not-found',
      `${benchmarkId} has no log "${component ?? ''}"; it has: ${components.join(', ') || 'none yet'}`,
    );
  }
  const file = wanted ?? logFile(logsDir, component);
  const size = (await stat(file)).size;
  let text: string;
  if (options.offset !== undefined) {
    const start = Math.min(options.offset, size);
    const end = Math.min(size, start + MAX_BYTES);
    text = await readRange(file, start, end);
    return { benchmarkId, component, components, text, nextOffset: end };
  }
  text = await readRange(file, Math.max(0, size - MAX_BYTES), size);
  if (options.tail !== undefined) text = lastLines(text, options.tail);
  return { benchmarkId, component, components, text, nextOffset: size };
}
