/** Reading the loadgen's progress files (progress-<i>.jsonl) while they are being written. */

/** The last whole line of a file's tail; undefined when the tail holds none. */
export function lastWholeLine(text: string): string | undefined {
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  // A tail may start mid-line: only lines after the first newline are surely whole.
  if (!text.endsWith('\n')) lines.pop();
  return lines.length > 1 || text.startsWith('{') ? lines.at(-1) : undefined;
}
