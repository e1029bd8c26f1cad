import { describe, expect, it } from "vitest";
import { changePValues } from "./quality-changes.ts";

describe("changePValues", () => {
  it("tests each scored bucket against the previous one with n ≥ 2 (worked by hand)", () => {
    // Bucket 0: 0.8, 1.0 (var 0.02); bucket 1: one score (untested, skipped); bucket 2: 0.2, 0.4 (var 0.02);
    // bucket 3: empty; bucket 4: 0.2, 0.4 again.
    // 2 vs 0: diff −0.6, se √(0.02/2 + 0.02/2) = √0.02, t = −3√2, Welch df (0.01 + 0.01)² / (0.01²/1 + 0.01²/1) = 2,
    // and Student's t with 2 df has p = 1 − |t|/√(2 + t²) = 1 − 3/√10 (0.0513: two scores a side are no proof; the
    // normal approximation said 2.2e-5). 4 vs 2: t 0, p 1.
    const p = changePValues({ n: [2, 1, 2, 0, 2], sum: [1.8, 0.5, 0.6, 0, 0.6], sumSq: [1.64, 0.25, 0.2, 0, 0.2] });
    expect(p[0]).toBeNull();
    expect(p[1]).toBeNull();
    expect(p[2]).toBeCloseTo(1 - 3 / Math.sqrt(10), 12);
    expect(p[3]).toBeNull();
    expect(p[4]).toBeCloseTo(1, 9);
  });

  it("two constant buckets with different means are a certain change", () => {
    expect(changePValues({ n: [3, 3], sum: [3, 0], sumSq: [3, 0] })).toEqual([null, 0]);
  });
});
