import { describe, expect, it } from "vitest";
import { coverage, type JudgeModelInput, judgeModels, judgeToday, sumCoverage } from "./judge-spend.ts";

/** Every run of the window (`runs`), of which scored, not sampled, skipped by the judge budget. */
const cov = (runs: number, scoredRuns: number, unsampledRuns = 0, judgeSkippedRuns = 0) => ({ runs, scoredRuns, unsampledRuns, judgeSkippedRuns });

describe("coverage", () => {
  it("says which fraction a statistic rests on: scored of all runs, the sampled share among runs that reached the judge, budget skips", () => {
    // 1,030 runs; 412 scored, 410 not sampled, 8 skipped: 830 reached the gate, 420 of them sampled (50.6%).
    const c = coverage(cov(1030, 412, 410, 8), "en-US");
    expect(c).toEqual({
      text: "based on 412 of 1,030 runs: 51% sampled, 8 skipped by budget",
      parts: ["412 of 1,030 runs", "51% sampled", "8 skipped by budget"],
    });
  });

  it("says only the count when every run that reached the judge was judged; runs never sent to score do not lower the sampled share", () => {
    expect(coverage(cov(45, 40), "en-US").text).toBe("based on 40 of 45 runs");
    expect(coverage(cov(10, 3, 1), "en-US").text).toBe("based on 3 of 10 runs: 75% sampled");
    expect(coverage(cov(1, 1), "en-US").text).toBe("based on 1 of 1 run");
    expect(coverage(cov(2, 0, 0, 2), "en-US").text).toBe("based on 0 of 2 runs: 2 skipped by budget");
  });

  it("shows a small sampled share with a decimal, and none when nothing reached the judge", () => {
    expect(coverage(cov(200, 1, 199), "en-US").text).toBe("based on 1 of 200 runs: 0.5% sampled");
    expect(coverage(cov(5, 0, 5), "en-US").text).toBe("based on 0 of 5 runs: 0% sampled");
    expect(coverage(cov(0, 0), "en-US")).toEqual({ text: "based on 0 of 0 runs", parts: ["0 of 0 runs"] });
  });

  it("sums rows", () => {
    expect(sumCoverage([cov(9, 1, 2, 3), cov(90, 10, 20, 30)])).toEqual(cov(99, 11, 22, 33));
    expect(sumCoverage([])).toEqual(cov(0, 0));
  });
});

describe("judgeToday", () => {
  const status = { sampleRate: 0.5, dailyBudgetMicros: 2_000_000, todayMicros: 500_000, todayJudgeCalls: 12, todayUnpricedCalls: 0, skippedToday: 0, day: "2026-12-03", timeZone: "Europe/Paris" };

  it("is today's spend over the budget", () => {
    expect(judgeToday(status)).toEqual({ use: 0.25, reached: false });
  });

  it("is reached at the budget and beyond", () => {
    expect(judgeToday({ ...status, todayMicros: 1_999_999 })).toEqual({ use: 0.9999995, reached: false });
    expect(judgeToday({ ...status, todayMicros: 2_000_000 })).toEqual({ use: 1, reached: true });
    expect(judgeToday({ ...status, todayMicros: 2_600_000, skippedToday: 4 })).toEqual({ use: 1.3, reached: true });
  });

  it("has no use without a budget, and unpriced calls count nothing toward it", () => {
    expect(judgeToday({ ...status, dailyBudgetMicros: null })).toEqual({ use: null, reached: false });
    expect(judgeToday({ ...status, todayMicros: null })).toEqual({ use: 0, reached: false });
  });
});

describe("judgeModels", () => {
  const row = (model: string, over: Partial<JudgeModelInput> = {}): JudgeModelInput => ({
    model,
    agentSpendMicros: 4_000_000,
    unpricedCalls: 0,
    judgeSpendMicros: 1_000_000,
    judgeUnpricedCalls: 0,
    judgeCostPerScoredRunMicros: 20_000,
    ...cov(100, 50, 50),
    ...over,
  });

  it("lists judged models by judge spend", () => {
    const out = judgeModels(
      [
        row("cheap", { judgeSpendMicros: 10_000 }),
        row("never-judged", { judgeSpendMicros: null, ...cov(100, 0) }),
        row("dear"),
        // Unpriced judge calls only: null spend (never $0), listed after priced ones, no share.
        row("unpriced-judge", { judgeSpendMicros: null, judgeUnpricedCalls: 7, judgeCostPerScoredRunMicros: null }),
        row("partly-unpriced-agent", { judgeSpendMicros: 10_000, unpricedCalls: 3 }),
      ],
    );
    // Unpriced judge spend sorts after every priced figure, a priced $0.01 included.
    expect(out.map((r) => r.model)).toEqual(["dear", "cheap", "partly-unpriced-agent", "unpriced-judge"]);
  });
});
