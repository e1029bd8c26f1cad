import { welchTest } from "@tally/shared";

/**
 * For each bucket of a score series, the two-sided p-value of a Welch t-test (Student's t, Welch–Satterthwaite
 * df) of its mean against the nearest
 * earlier bucket with scores (null when either has fewer than 2 scores, and for the first). Both spreads 0
 * with different means is a certain change (p 0). Raw p-values: the page corrects them for the number of
 * tests it shows (Holm).
 */
export function changePValues(cells: { n: ArrayLike<number>; sum: ArrayLike<number>; sumSq: ArrayLike<number> }): (number | null)[] {
  let prev: { n: number; sum: number; sumSq: number } | null = null;
  const out = new Array<number | null>(cells.n.length);
  for (let i = 0; i < out.length; i++) {
    const n = cells.n[i]!;
    out[i] = null;
    if (n < 2) continue;
    const cur = { n, sum: cells.sum[i]!, sumSq: cells.sumSq[i]! };
    const before = prev;
    prev = cur;
    if (!before) continue;
    const w = welchTest(cur, before);
    out[i] = w !== null ? w.p : 0; // null: both spreads 0 and the means apart, a certain change
  }
  return out;
}
