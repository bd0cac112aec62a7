/** Figures the benches compute from their samples. */

/** The q-quantile (0..1) of `values`, nearest rank; null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const sum = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0);
