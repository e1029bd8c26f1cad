import { describe, expect, it } from "vitest";
import { appliedScoreRange, scoreRangeProblem } from "./score-range.ts";

describe("the Runs page's score range", () => {
  it("applies bounds from 0 to 1 only, and none when Min is above Max", () => {
    const applied = (qs: string) => appliedScoreRange(new URLSearchParams(qs));
    expect(applied("min=0.2&max=0.8")).toEqual({ min: 0.2, max: 0.8 });
    expect(applied("min=1.5")).toEqual({});
    expect(applied("min=0.5&max=2")).toEqual({ min: 0.5 });
    expect(applied("min=0.9&max=0.1")).toEqual({});
    expect(applied("min=0&max=0")).toEqual({ min: 0, max: 0 });
    expect(applied("min=abc&max=")).toEqual({});
  });

  it("says why the form cannot be applied", () => {
    expect(scoreRangeProblem("accuracy", "0.9", "0.1")).toBe("Min is above Max.");
    expect(scoreRangeProblem("", "0.9", "")).toBe("Pick a score name: Min and Max apply to one score.");
    expect(scoreRangeProblem("accuracy", "1.5", "-1")).toBe("Min and Max must be from 0 to 1.");
    expect(scoreRangeProblem("accuracy", "", "7")).toBe("Max must be from 0 to 1.");
    expect(scoreRangeProblem("accuracy", "0.1", "0.9")).toBeNull();
    expect(scoreRangeProblem("", "", "")).toBeNull();
    expect(scoreRangeProblem("accuracy", "0.5", "0.5")).toBeNull();
  });
});
