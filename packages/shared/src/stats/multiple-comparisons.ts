/**
 * p-values for the Quality page's tests (model against baseline, a series' bucket against the one before) and
 * Holm's step-down correction across a family of them. Browser-safe.
 */

/** erfc by Numerical Recipes' Chebyshev fit (relative error < 1.2e-7 everywhere). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(poly);
  return x >= 0 ? r : 2 - r;
}

/** Two-sided p-value of a z statistic under the normal approximation (an infinite z gives 0). */
export function twoSidedP(z: number): number {
  if (!Number.isFinite(z)) return Number.isNaN(z) ? 1 : 0;
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/**
 * Holm-adjusted p-values, in the order given. Sorted ascending, the i-th smallest (1-based) becomes
 * max over j ≤ i of min(1, (m − j + 1) · p_(j)); a null (no test) is kept null and is not counted in m.
 * An adjusted p below α rejects at family-wise error α.
 */
export function holm(pValues: readonly (number | null)[]): (number | null)[] {
  const tested = pValues.flatMap((p, i) => (p === null ? [] : [{ p, i }])).sort((a, b) => a.p - b.p || a.i - b.i);
  const m = tested.length;
  const out: (number | null)[] = pValues.map(() => null);
  let running = 0;
  tested.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

/** The family-wise error rate the Quality page calls a difference at. */
export const ALPHA = 0.05;
