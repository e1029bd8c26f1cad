import { describe, expect, it } from "vitest";
import { exactTwoSidedP, t975, tTwoSidedP } from "./student-t.ts";

// Expected values from published tables of Student's t (two-sided 95% quantiles, to 5 decimals) and from the
// closed forms for df 1 (Cauchy: p = 1 − 2·atan(|t|)/π) and df 2 (p = 1 − |t| / √(2 + t²)).
describe("Student's t", () => {
  it("gives the tables' two-sided 95% quantiles", () => {
    const table: [number, number][] = [[1, 12.7062], [2, 4.30265], [3, 3.18245], [5, 2.57058], [10, 2.22814], [30, 2.04227], [100, 1.98397], [1000, 1.96234]];
    for (const [df, q] of table) expect(t975(df), `df ${df}`).toBeCloseTo(q, 4);
    expect(t975(1e9)).toBeCloseTo(1.95996, 5);
    // Fractional df (Welch) lies between its neighbours.
    expect(t975(2.5)).toBeLessThan(t975(2));
    expect(t975(2.5)).toBeGreaterThan(t975(3));
  });

  it("gives two-sided p-values equal to the closed forms for df 1 and 2, and the normal limit", () => {
    for (const t of [0.1, 0.5, 1, 2, 4, 10, 50]) {
      expect(tTwoSidedP(t, 1), `df 1 t ${t}`).toBeCloseTo(1 - (2 * Math.atan(t)) / Math.PI, 12);
      expect(tTwoSidedP(-t, 2), `df 2 t ${t}`).toBeCloseTo(1 - t / Math.sqrt(2 + t * t), 12);
    }
    // Two scores of 1.0 against 0.75, 0.5, 0.75: Welch t 4.0 with df 2 (the audit's case) is p 0.057, not 6e-5.
    expect(tTwoSidedP(4, 2)).toBeCloseTo(0.0572, 4);
    expect(tTwoSidedP(1.959963984540054, 1e9)).toBeCloseTo(0.05, 6);
    expect(tTwoSidedP(2.22814, 10)).toBeCloseTo(0.05, 5);
    expect(tTwoSidedP(0, 5)).toBe(1);
    // The exact incomplete beta against df 2's closed form at df ≥ 20's scale too, then Hill's expansion against it.
    expect(exactTwoSidedP(3, 2)).toBeCloseTo(1 - 3 / Math.sqrt(11), 12);
    for (const df of [20, 20.7, 35, 150, 2000]) {
      for (let t = 0.05; t < 9; t += 0.05) {
        const exact = exactTwoSidedP(t, df);
        expect(Math.abs(tTwoSidedP(t, df) - exact) / exact, `df ${df} t ${t.toFixed(2)}`).toBeLessThan(2e-6);
      }
    }
    expect(tTwoSidedP(Infinity, 5)).toBe(0);
  });
});

describe("the tests' oracle (numerical integration) and Student's t agree", () => {
  it("on quantiles and p-values from df 1 to 500, fractional df included", async () => {
    const { oracleT975, oracleTwoSidedP } = await import("./t-oracle.ts");
    for (const df of [1, 2, 3.4, 7, 19, 20, 48.6, 500]) {
      expect(t975(df), `df ${df}`).toBeCloseTo(oracleT975(df), 6);
      for (const t of [0.3, 1.5, 3, 6]) expect(tTwoSidedP(t, df), `df ${df} t ${t}`).toBeCloseTo(oracleTwoSidedP(t, df), 7);
    }
  });
});
