import { describe, expect, it } from "vitest";
import { holm, twoSidedP } from "./multiple-comparisons.ts";

describe("holm", () => {
  it("adjusts step-down with the running maximum (worked by hand)", () => {
    // Sorted: 0.005·4 = 0.02; 0.01·3 = 0.03; 0.03·2 = 0.06; 0.04·1 = 0.04 → max(0.06, 0.04) = 0.06.
    const out = holm([0.01, 0.04, 0.03, 0.005]);
    const want = [0.03, 0.06, 0.06, 0.02];
    for (const [i, p] of out.entries()) expect(p).toBeCloseTo(want[i]!, 12);
  });

  it("leaves untested comparisons out of the family and caps at 1", () => {
    // m = 2: 0.2·2 = 0.4; 0.6·1 = 0.6.
    const out = holm([0.2, null, 0.6]);
    expect(out[0]).toBeCloseTo(0.4, 12);
    expect(out[1]).toBeNull();
    expect(out[2]).toBeCloseTo(0.6, 12);
    // 0.5·2 = 1 (capped); 0.7 → max(1, 0.7) = 1.
    expect(holm([0.5, 0.7])).toEqual([1, 1]);
    expect(holm([])).toEqual([]);
  });

  it("one test is its own adjustment; a raw p under 0.05 can fail after correction", () => {
    expect(holm([0.03])).toEqual([0.03]);
    // Three comparisons at raw 0.03, 0.04, 0.045: smallest × 3 = 0.09, none survives α = 0.05.
    expect(holm([0.03, 0.04, 0.045]).every((p) => p! > 0.05)).toBe(true);
  });
});

describe("twoSidedP", () => {
  it("matches normal tables", () => {
    expect(twoSidedP(0)).toBeCloseTo(1, 6);
    expect(twoSidedP(1.959964)).toBeCloseTo(0.05, 6);
    expect(twoSidedP(-1.959964)).toBeCloseTo(0.05, 6);
    expect(twoSidedP(2.575829)).toBeCloseTo(0.01, 6);
    expect(twoSidedP(1)).toBeCloseTo(0.317311, 6);
    expect(twoSidedP(Infinity)).toBe(0);
  });
});
