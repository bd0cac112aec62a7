import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Parses "250ms", "1.5s", "20m", "2h" to milliseconds; undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION_RE.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
}

/** Renders milliseconds the way recipes write them, picking the largest exact unit. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * The longest delay a Node.js timer honours: setTimeout turns anything longer into 1 ms
 * (TimeoutOverflowWarning), so the load generator would end its stage at once.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;
export const MAX_DURATION_TEXT = `at most 24.8 days (${MAX_DURATION_MS} ms), the longest timer Node.js can set`;

/**
 * A recipe duration: a string with a unit ("30s") or a bare number of seconds.
 * Parsed to milliseconds so that nothing downstream guesses units.
 */
export const durationMs = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? Math.round(value * 1000) : parseDurationMs(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    ctx.addIssue({
      code: 'custom',
      message: `not a duration: ${JSON.stringify(value)} (use e.g. 500ms, 30s, 5m, 1h, or seconds as a number)`,
    });
    return z.NEVER;
  }
  if (ms > MAX_DURATION_MS) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is too long: ${MAX_DURATION_TEXT}` });
    return z.NEVER;
  }
  return ms;
});
