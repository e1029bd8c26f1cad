import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.ts";
import { agreement, agreementSteps, confusionMatrix, DRAWS_PER_STEP, figuresOf, type RatingPair } from "./agreement.ts";

/**
 * The known case: 10 judge–reviewer pairs, one per item.
 *
 *   judge \ human   2   4   5      row
 *        5          .   2   3   →  5
 *        4          1   2   .   →  3
 *        3          .   1   .   →  1
 *        2          1   .   .   →  1
 *   column          2   5   3      N = 10
 *
 * By hand:
 * - exact = (3 + 2 + 1) / 10 = 0.6; within one = (6 + 2 [5→4] + 1 [3→4]) / 10 = 0.9 (only 4→2 is two apart).
 * - MAE = (2·1 + 1·1 + 1·2) / 10 = 0.5.
 * - quadratic kappa = 1 − Σ w·O / Σ w·E with w = (i − j)², E = row·col / N:
 *   Σ w·O = 2·1 + 1·1 + 1·4 = 7;
 *   Σ row·col·w = judge 5: 5·5·1 + 5·2·9 = 115; judge 4: 3·3·1 + 3·2·4 = 33; judge 3: 1·3·4 + 1·5·1 + 1·2·1 = 19;
 *   judge 2: 1·3·9 + 1·5·4 = 47; total 214, so Σ w·E = 21.4 and kappa = 1 − 7 / 21.4 = 72/107.
 * - Spearman with mid-ranks: judge 2→1, 3→2, 4→4, 5→8; human 2→1.5, 4→5, 5→9; mean rank 5.5.
 *   Σ dev·dev = 3·(2.5·3.5) + 2·(−1.5·−0.5) + 2·(2.5·−0.5) + (−3.5·−0.5) + (−1.5·−4) + (−4.5·−4) = 51;
 *   Σ judge dev² = 20.25 + 12.25 + 3·2.25 + 5·6.25 = 70.5; Σ human dev² = 2·16 + 5·0.25 + 3·12.25 = 70;
 *   rho = 51 / √(70.5·70) = 0.72598324… (scipy.stats.spearmanr agrees).
 */
const KNOWN: RatingPair[] = [
  ...[[5, 5], [5, 5], [5, 5], [4, 4], [4, 4], [5, 4], [5, 4], [3, 4], [4, 2], [2, 2]].map(([judge, human], i) => ({
    item: `item-${i}`,
    judge: judge!,
    human: human!,
  })),
];

describe("agreement figures", () => {
  it("match the hand-computed confusion matrix", () => {
    expect(confusionMatrix(KNOWN)).toEqual([
      [0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0],
      [0, 0, 0, 1, 0],
      [0, 1, 0, 2, 0],
      [0, 0, 0, 2, 3],
    ]);
    const a = agreement(KNOWN);
    expect(a.n).toBe(10);
    expect(a.items).toBe(10);
    expect(a.exact!.value).toBeCloseTo(0.6, 12);
    expect(a.withinOne!.value).toBeCloseTo(0.9, 12);
    expect(a.mae!.value).toBeCloseTo(0.5, 12);
    expect(a.kappa!.value).toBeCloseTo(72 / 107, 12);
    expect(a.spearman!.value).toBeCloseTo(51 / Math.sqrt(70.5 * 70), 12);
    for (const name of ["exact", "withinOne", "kappa", "mae", "spearman"] as const) {
      const e = a[name]!;
      expect(e.low).toBeLessThanOrEqual(e.value);
      expect(e.high).toBeGreaterThanOrEqual(e.value);
    }
  });

  it("perfect agreement: every figure at its best; a constant side: kappa 0 and Spearman undefined; both constant: kappa undefined", () => {
    const perfect = [1, 2, 3, 4, 5].map((v) => ({ item: `i${v}`, judge: v, human: v }));
    expect(figuresOf(confusionMatrix(perfect))).toEqual({ exact: 1, withinOne: 1, kappa: 1, mae: 0, spearman: 1 });
    // The judge always says 4: it agrees no better than chance (observed = expected disagreement = 2/3), and has no ranks.
    const constant = [3, 4, 5].map((v) => ({ item: `i${v}`, judge: 4, human: v }));
    const a = agreement(constant);
    expect(a.kappa!.value).toBeCloseTo(0, 12);
    expect(a.spearman).toBeNull();
    expect(a.exact!.value).toBeCloseTo(1 / 3, 12);
    expect(a.mae!.value).toBeCloseTo(2 / 3, 12);
    // Both always say 4: no chance disagreement to measure against.
    const both = agreement([1, 2].map((i) => ({ item: `i${i}`, judge: 4, human: 4 })));
    expect(both).toMatchObject({ exact: { value: 1 }, kappa: null, spearman: null });
  });

  it("nothing to compare: n 0 and every figure null; one item: nothing to resample, the interval is the figure", () => {
    expect(agreement([])).toEqual({ n: 0, items: 0, exact: null, withinOne: null, kappa: null, mae: null, spearman: null });
    const one = agreement([
      { item: "a", judge: 5, human: 3 },
      { item: "a", judge: 5, human: 4 },
    ]);
    expect(one).toMatchObject({ n: 2, items: 1, exact: { value: 0, low: 0, high: 0 }, mae: { value: 1.5, low: 1.5, high: 1.5 } });
  });

  it("refuses a score off the scale or not an integer", () => {
    expect(() => agreement([{ item: "a", judge: 6, human: 3 }])).toThrow(/score 6 is not an integer from 1 to 5/);
    expect(() => agreement([{ item: "a", judge: 3, human: 2.5 }])).toThrow(RangeError);
  });

  it("the bootstrap is seeded (same pairs, same interval) and resamples items, not pairs", () => {
    expect(agreement(KNOWN)).toEqual(agreement(KNOWN));
    // Three reviewers per item who all agree with each other: 10 items, 30 pairs. Resampling pairs would
    // treat them as 30 independent draws and narrow the interval; resampling items keeps it as wide as 10 items.
    const tripled = KNOWN.flatMap((p) => [p, p, p]);
    const a = agreement(KNOWN);
    const b = agreement(tripled);
    expect(b.n).toBe(30);
    expect(b.items).toBe(10);
    expect(b.exact!.value).toBeCloseTo(a.exact!.value, 12);
    expect(b.exact!.high - b.exact!.low).toBeCloseTo(a.exact!.high - a.exact!.low, 12);
  });

  it("on a large sample the exact-agreement interval matches the normal approximation p ± 1.96·√(p(1−p)/n)", () => {
    const next = mulberry32(7);
    const pairs: RatingPair[] = [];
    for (let i = 0; i < 2000; i++) {
      const judge = 1 + Math.floor(next() * 5);
      const human = next() < 0.7 ? judge : 1 + Math.floor(next() * 5);
      pairs.push({ item: `i${i}`, judge, human });
    }
    const a = agreement(pairs);
    const p = a.exact!.value;
    const half = 1.96 * Math.sqrt((p * (1 - p)) / pairs.length);
    expect(a.exact!.low).toBeCloseTo(p - half, 2);
    expect(a.exact!.high).toBeCloseTo(p + half, 2);
  });

  it("in steps, pauses after every DRAWS_PER_STEP item draws and ends with the same figures", () => {
    const pairs = Array.from({ length: 2000 }, (_, i) => ({ item: `i${i}`, judge: 1 + (i % 5), human: 1 + ((i * 3) % 5) }));
    // 1,000 resamples of 2,000 items, DRAWS_PER_STEP draws between pauses: a pause before every 50th resample but the first.
    const resamplesPerStep = Math.floor(DRAWS_PER_STEP / 2000);
    const steps = agreementSteps(pairs);
    let pauses = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) pauses++;
    expect(pauses).toBe(Math.ceil(1000 / resamplesPerStep) - 1);
    expect(step.value).toEqual(agreement(pairs));
    // One item: nothing to resample, no pause.
    expect([...agreementSteps(pairs.slice(0, 1))]).toHaveLength(0);
  });
});
