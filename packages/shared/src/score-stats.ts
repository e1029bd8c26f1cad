/**
 * Score statistics from rollup sums (n, Σx, Σx²), browser-safe: the Quality page's model comparison and the
 * quality-drop alert rule test a difference of means the same way.
 */

/** Sums of one group of scores. */
export interface ScoreSums {
  n: number;
  sum: number;
  sumSq: number;
}

/**
 * Sample variance from n, Σx, Σx² (null below n = 2). Sums read through subtraction (series.ts) or added
 * in another order carry a rounding residue of ~1e-16 of the sums: a spread below 1e-12 of Σx² is that
 * residue, not data (a constant score keeps a zero-width interval).
 */
export function variance(n: number, sum: number, sumSq: number): number | null {
  if (n < 2) return null;
  const m2 = sumSq - (sum * sum) / n;
  return m2 <= 1e-12 * sumSq ? 0 : m2 / (n - 1);
}

/**
 * Welch z statistic of mean(a) − mean(b); null when either side has n < 2, or when both spreads are 0 and
 * the means differ (an infinite z). |z| > 1.96 is significant (two-sided, 95%).
 */
export function welchZ(a: ScoreSums, b: ScoreSums): number | null {
  const va = variance(a.n, a.sum, a.sumSq);
  const vb = variance(b.n, b.sum, b.sumSq);
  if (va === null || vb === null) return null;
  const diff = a.sum / a.n - b.sum / b.n;
  const se = Math.sqrt(va / a.n + vb / b.n);
  const z = se > 0 ? diff / se : diff === 0 ? 0 : Math.sign(diff) * Infinity;
  return Number.isFinite(z) ? z : null;
}

/** The significance threshold of `welchZ` (two-sided, 95%). */
export const Z_95 = 1.96;
