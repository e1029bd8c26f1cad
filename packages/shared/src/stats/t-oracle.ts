/**
 * Test oracle for Student's t, independent of student-t.ts (no incomplete beta, no Gamma function): with
 * x = √ν·tan θ the density's tail is an integral of cos^(ν−1) θ, so the two-sided p of t is
 * ∫[atan(|t|/√ν), π/2] cos^(ν−1) over ∫[0, π/2] cos^(ν−1), both by Simpson's rule on 20,000 steps. Slow; tests only.
 */
const STEPS = 20_000;

function simpson(f: (x: number) => number, a: number, b: number): number {
  const h = (b - a) / STEPS;
  let s = f(a) + f(b);
  for (let i = 1; i < STEPS; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

/** Two-sided p of Student's t with ν (≥ 1) degrees of freedom. */
export function oracleTwoSidedP(t: number, nu: number): number {
  const f = (theta: number) => Math.cos(theta) ** (nu - 1);
  return simpson(f, Math.atan(Math.abs(t) / Math.sqrt(nu)), Math.PI / 2) / simpson(f, 0, Math.PI / 2);
}

const quantiles = new Map<number, number>();

/** The two-sided 95% quantile: the t whose two-sided p is 0.05 (bisection). */
export function oracleT975(nu: number): number {
  let q = quantiles.get(nu);
  if (q !== undefined) return q;
  let [lo, hi] = [1.9, 13];
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (oracleTwoSidedP(mid, nu) > 0.05) lo = mid;
    else hi = mid;
  }
  q = (lo + hi) / 2;
  quantiles.set(nu, q);
  return q;
}
