import { twoSidedP, welchZ } from "@tally/shared";

/**
 * For each bucket of a score series, the two-sided p-value of a Welch test of its mean against the nearest
 * earlier bucket with scores (null when either has fewer than 2 scores, and for the first). Both spreads 0
 * with different means is a certain change (p 0). Raw p-values: the page corrects them for the number of
 * tests it shows (Holm).
 */
export function changePValues(cells: { n: number[]; sum: number[]; sumSq: number[] }): (number | null)[] {
  let prev: { n: number; sum: number; sumSq: number } | null = null;
  return cells.n.map((n, i) => {
    const cur = { n, sum: cells.sum[i]!, sumSq: cells.sumSq[i]! };
    if (n < 2) return null;
    const before = prev;
    prev = cur;
    if (!before) return null;
    const z = welchZ(cur, before);
    if (z !== null) return twoSidedP(z);
    return cur.sum / cur.n === before.sum / before.n ? 1 : 0;
  });
}
