import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { FakeServer } from "./fake-servers.ts";
import { startTally, type Tally } from "./harness.ts";
import { countingJudge, deliverScore, evaluationsByRun, JUDGE_MODEL, judgeEnv, sumRunRollup } from "./judge-runs.ts";
import { callProcedure } from "./unpriced-money.ts";
import { DEFAULT_JUDGE_SETTINGS, getJudgeStatus } from "../src/queries/judge.ts";

// The daily judge budget through the real serve() handler, with the functions' clock in the test's hands.
// Each judge call: 1,000 prompt tokens at an override of $4/Mtok (none out) = 4,000 µ$; the budget $0.01 =
// 10,000 µ$. Spend before each call: 0, 4,000, 8,000 → called; 12,000 → not: exactly 3 calls a day.
// The reporting zone is Asia/Kolkata (UTC+5:30): its day 2026-11-03 starts at 2026-11-02T18:30:00Z.
describe("TALLY_JUDGE_DAILY_BUDGET_USD=0.01 in Asia/Kolkata", () => {
  let judge: FakeServer;
  let tally: Tally;
  let clock = 0;
  const warn = vi.spyOn(console, "warn");
  beforeAll(async () => {
    judge = await countingJudge(1000);
    tally = await startTally(judgeEnv(judge, { TALLY_JUDGE_DAILY_BUDGET_USD: "0.01", TALLY_TIME_ZONES: "Asia/Kolkata" }), { clock: () => clock });
    await callProcedure(tally, "prices.upsert", "mutation", { model: JUDGE_MODEL, inputMicrosPerMtok: 4_000_000, outputMicrosPerMtok: 0, effectiveFrom: "2026-01-01T00:00:00Z" });
  });
  afterEach(() => warn.mockClear());
  afterAll(async () => {
    warn.mockRestore();
    await tally.close();
    await judge.close();
  });

  /** A score run at `at` (the clock), of a run at `ts` (the event's time; by default the same). */
  async function runAt(parentRunId: string, at: number, ts = at) {
    clock = at;
    const out = await deliverScore(tally, { parentRunId, customerId: "acme", ts });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    return (out.result as { status: string }).status;
  }
  const budgetLines = () => warn.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith("Judge budget reached"));

  it("stops calling the judge after the call that crosses the budget, records the rest as skipped, and logs it once", { timeout: 30_000 }, async () => {
    const t0 = Date.UTC(2026, 10, 2, 17, 0); // 22:30 on 2 November in Kolkata
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push(await runAt(`01DAY1RUN${i}`, t0 + i * 60_000));
    statuses.push(await runAt("01DAY1LAST", Date.UTC(2026, 10, 2, 18, 29, 59, 999))); // 23:59:59.999 local
    expect(statuses).toEqual(["scored", "scored", "scored", "judge_budget", "judge_budget", "judge_budget", "judge_budget"]);
    expect(judge.requests).toHaveLength(3);
    const judgeLines = await tally.db.selectFrom("usage_costs").select(["cost_micros", "price_source"]).where("kind", "=", "judge").execute();
    expect(judgeLines.map((l) => l.cost_micros)).toEqual([4000, 4000, 4000]);
    const skipped = (await evaluationsByRun(tally)).filter((e) => e.status === "judge_budget");
    expect(skipped.map((e) => [e.run_id, e.judge_calls])).toEqual([["01DAY1LAST", 0], ["01DAY1RUN3", 0], ["01DAY1RUN4", 0], ["01DAY1RUN5", 0]]);
    const outcomes = await tally.db.selectFrom("runs").select(["run_id", "judge_outcome"]).where("judge_outcome", "is not", null).orderBy("run_id").execute();
    expect(outcomes.map((r) => [r.run_id, r.judge_outcome])).toEqual(skipped.map((e) => [e.run_id, "judge_budget"]));
    expect(await tally.db.selectFrom("scores").select("run_id").distinct().orderBy("run_id").execute()).toEqual(["01DAY1RUN0", "01DAY1RUN1", "01DAY1RUN2"].map((run_id) => ({ run_id })));
    expect(await sumRunRollup(tally, "judge_skipped_runs")).toBe(4);
    expect(budgetLines()).toEqual([expect.stringMatching(/^Judge budget reached for 2026-11-02: \$0\.012 of judge spend today \(Asia\/Kolkata\), budget \$0\.01 /)]);
  });

  it("judges again from the next local midnight, and the next day's budget stops it again", { timeout: 30_000 }, async () => {
    const midnight = Date.UTC(2026, 10, 2, 18, 30); // 00:00 on 3 November in Kolkata (still 2 November in UTC)
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await runAt(`01DAY2RUN${i}`, midnight + i * 60_000));
    expect(statuses).toEqual(["scored", "scored", "scored", "judge_budget"]);
    expect(judge.requests).toHaveLength(6);
    expect(budgetLines()).toEqual([expect.stringMatching(/^Judge budget reached for 2026-11-03: /)]);
  });

  it("counts a backlog of yesterday's runs judged today toward today's budget, and judge.status with it", { timeout: 30_000 }, async () => {
    const today = Date.UTC(2026, 10, 4, 3); // 08:30 on 4 November in Kolkata
    const yesterday = Date.UTC(2026, 10, 3, 3); // runs of 3 November, whose budget is already spent
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await runAt(`01LATERUN${i}`, today + i * 60_000, yesterday + i * 60_000));
    expect(statuses).toEqual(["scored", "scored", "scored", "judge_budget", "judge_budget"]);
    expect(judge.requests).toHaveLength(9);
    // judge.status at the functions' clock (the API's own clock is the machine's).
    const status = await getJudgeStatus(tally.db, { ...DEFAULT_JUDGE_SETTINGS, timeZone: "Asia/Kolkata", dailyBudgetMicros: 10_000 }, today + 10 * 60_000);
    expect(status).toMatchObject({ day: "2026-11-04", todayMicros: 3 * 4000, todayJudgeCalls: 3, todayUnpricedCalls: 0, skippedToday: 2 });
    expect(budgetLines()).toEqual([expect.stringMatching(/^Judge budget reached for 2026-11-04: \$0\.012 /)]);
  });
});
