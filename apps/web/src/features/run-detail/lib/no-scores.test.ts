import { describe, expect, it } from "vitest";
import { noScoresReason } from "./no-scores.ts";

describe("noScoresReason", () => {
  it("names the evaluation's outcome: failed, skipped by the budget, not sampled, else how to have it judged", () => {
    expect(noScoresReason([{ status: "judge_budget" }])).toMatch(/^Skipped: the day's judge budget was reached/);
    expect(noScoresReason([{ status: "not_sampled" }])).toMatch(/^Not sampled: /);
    expect(noScoresReason([{ status: "not_sampled" }, { status: "failed" }])).toBe("The judge failed; see the evaluation below.");
    expect(noScoresReason([])).toBe('Call defer("score", { response, model }) from the parent function to have this output judged.');
  });
});
