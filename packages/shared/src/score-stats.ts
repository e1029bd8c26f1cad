/**
 * Score statistics from rollup sums (n, Σx, Σx²), browser-safe: the Quality page's model comparison and the
 * quality-drop alert rule test a difference of means the same way.
 */
import { tTwoSidedP } from "./stats/student-t.ts";

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

/** Welch's test of mean(a) − mean(b). */
export interface WelchTest {
  /** The statistic: the difference over its standard error. */
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p of Student's t with `df`. */
  p: number;
  /** The difference's standard error. */
  se: number;
}

/**
 * Welch's t-test of mean(a) − mean(b) against Student's t with Welch–Satterthwaite df (not the normal
 * approximation: with a handful of scores per side that would call chance a change). null when either side
 * has n < 2, or when both spreads are 0 and the means differ (an infinite t; equal means give t 0, p 1).
 */
export function welchTest(a: ScoreSums, b: ScoreSums): WelchTest | null {
  const va = variance(a.n, a.sum, a.sumSq);
  const vb = variance(b.n, b.sum, b.sumSq);
  if (va === null || vb === null) return null;
  const diff = a.sum / a.n - b.sum / b.n;
  const [qa, qb] = [va / a.n, vb / b.n];
  const se = Math.sqrt(qa + qb);
  if (se === 0) return diff === 0 ? { t: 0, df: a.n + b.n - 2, p: 1, se } : null;
  const df = (qa + qb) ** 2 / (qa ** 2 / (a.n - 1) + qb ** 2 / (b.n - 1));
  const t = diff / se;
  return { t, df, p: tTwoSidedP(t, df), se };
}
