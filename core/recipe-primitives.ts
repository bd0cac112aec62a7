/** Small zod pieces every recipe-like schema shares (recipe, workloads, deployments). Pure. */
import { z } from 'zod';

export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An integer count in [min, max] whose messages say the bound (e.g. "at most 100000 requests in flight"). */
export function count(min: number, max: number, what: string) {
  return z
    .number({ error: `expected a whole number of ${what}` })
    .int(`expected a whole number of ${what}`)
    .min(min, `at least ${min} ${what}`)
    .max(max, `at most ${max} ${what}`);
}

/** Strings that end up in job scripts: shell-quoted anyway, but control characters never make sense. */
export const scriptString = z
  .string()
  .min(1)
  .max(4096)
  .refine((s) => !/[\0\r\n]/.test(s), 'must not contain newlines or NUL characters');
