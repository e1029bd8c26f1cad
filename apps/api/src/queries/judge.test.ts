import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordEvaluation, recordSkippedEvaluation, type RunRef } from "@tally/inngest-functions";
import { createCaller } from "../trpc/root.ts";
import { DEFAULT_JUDGE_SETTINGS, type JudgeSettings } from "./judge.ts";
import { JUDGE, localDate, openTestDb, RUN_URL, seedPrices, seedRun, TEST_ADMIN, type TestDb, UNPRICED } from "./test-support.ts";

// Issue 23: judge.status's "today" is the reporting zone's local day (Asia/Kolkata, UTC+05:30, here), read
// from the judge's activity (when each call was made); checked against the raw judge lines bucketed by Intl's
// local date of their `created_at`, lines on both sides of both local midnights and of the UTC midnight between them.

const TZ = "Asia/Kolkata";
const MIN = 60_000;
const MIDNIGHT = Date.UTC(2026, 5, 1, 18, 30); // 2026-06-02 00:00 in Kolkata
const NEXT_MIDNIGHT = MIDNIGHT + 86_400_000;
const NOW = Date.UTC(2026, 5, 2, 3); // 08:30 local on 2026-06-02
const LATE_DAY = NEXT_MIDNIGHT + 3 * 86_400_000; // 2026-06-06 00:00 in Kolkata
const SETTINGS: JudgeSettings = { ...DEFAULT_JUDGE_SETTINGS, timeZone: TZ, dailyBudgetMicros: 10_000, sampleRate: 0.5, concurrency: 3, throttle: null };

let t: TestDb;
const status = (now: number, judge: JudgeSettings = SETTINGS) =>
  createCaller({ db: t.db, runUrlTemplate: RUN_URL, now: () => now, principal: TEST_ADMIN, judge }).judge.status();

/** A run at `at`, judged at `calledAt` (by default at once). */
const ref = (runId: string, at: number, calledAt = at, model = "acme-large"): RunRef => ({ runId, functionSlug: "support-agent", model, customerId: "acme", occurredAt: at, now: calledAt });
/** One evaluation that called the judge (`judgeModel`, priced or not), through the real recording code. */
async function judged(runId: string, at: number, judgeModel: string, tokens: number, calledAt = at): Promise<void> {
  await recordEvaluation(t.db, ref(runId, at, calledAt), {
    key: `${runId}-score`,
    deferredRunId: `${runId}-score`,
    model: "acme-large",
    judgeModel,
    rubricVersion: "v1",
    judgeCalls: 1,
    judgeUsage: { input_tokens: tokens, output_tokens: 7, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
    outcome: { ok: true, scores: [{ name: "helpfulness", rawValue: 7, scaleMin: 0, scaleMax: 10, rationale: "ok" }] },
  });
}
async function skipped(runId: string, at: number, reason: "not_sampled" | "judge_budget", calledAt = at): Promise<void> {
  await recordSkippedEvaluation(t.db, { run: ref(runId, at, calledAt), key: `${runId}-score`, deferredRunId: `${runId}-score`, judgeModel: JUDGE, rubricVersion: "v1", reason });
}

/**
 * Today's figures from the raw rows: judge lines recorded (`created_at`) on local date `day` in TZ, and runs
 * skipped for the budget by an evaluation recorded that day.
 */
async function expected(day: string) {
  const lines = (await t.db.selectFrom("usage_costs").select(["created_at", "cost_micros"]).where("kind", "=", "judge").execute()).filter(
    (l) => localDate(l.created_at, TZ) === day,
  );
  const priced = lines.filter((l) => l.cost_micros !== null);
  const skips = await t.db
    .selectFrom("evaluations")
    .innerJoin("runs", "runs.run_id", "evaluations.run_id")
    .select("evaluations.created_at")
    .where("status", "=", "judge_budget")
    .where("judge_outcome", "=", "judge_budget")
    .execute();
  return {
    todayMicros: priced.length > 0 ? priced.reduce((s, l) => s + l.cost_micros!, 0) : null,
    todayJudgeCalls: lines.length,
    todayUnpricedCalls: lines.length - priced.length,
    skippedToday: skips.filter((e) => localDate(e.created_at, TZ) === day).length,
  };
}

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
  const at = [MIDNIGHT - 1, MIDNIGHT, MIDNIGHT + 14 * MIN, Date.UTC(2026, 5, 2) - 1, Date.UTC(2026, 5, 2), NEXT_MIDNIGHT - 1, NEXT_MIDNIGHT];
  for (const [i, a] of at.entries()) await judged(`line-${i}`, a, JUDGE, 100 * (i + 1));
  await judged("unpriced-today", MIDNIGHT + 60 * MIN, UNPRICED, 500);
  // An agent line today: not the judge's spend.
  await seedRun(t.db, { runId: "agent-today", model: "acme-large", occurredAt: MIDNIGHT + 5 * MIN, agent: { in: 10_000, out: 1000 } });
  for (const [i, a] of [MIDNIGHT - 1, MIDNIGHT, NEXT_MIDNIGHT - 1, NEXT_MIDNIGHT].entries()) await skipped(`budget-${i}`, a, "judge_budget");
  await skipped("unsampled-today", MIDNIGHT + 30 * MIN, "not_sampled");
  // Two days later, only an unpriced judge call: the day's spend is unknown, not $0.
  await judged("unpriced-later", NEXT_MIDNIGHT + 86_400_000 + 5 * MIN, UNPRICED, 100);
  // Three and four days later: runs of the day before, judged (one) and skipped for the budget (one) a day late.
  await judged("late-judged", LATE_DAY - 86_400_000 + 60 * MIN, JUDGE, 900, LATE_DAY + 60 * MIN);
  await skipped("late-skipped", LATE_DAY - 86_400_000 + 61 * MIN, "judge_budget", LATE_DAY + 61 * MIN);
}, 300_000);
afterAll(() => t.close());

describe("judge.status", () => {
  it("sums today's judge lines in the reporting zone's local day, not the UTC day, with the configuration beside them", async () => {
    const s = await status(NOW);
    const e = await expected("2026-06-02");
    // The premise: lines on both sides of each midnight, priced and unpriced, some skipped today.
    expect(e).toEqual({ todayMicros: (200 + 7) + (300 + 7) + (400 + 7) + (500 + 7) + (600 + 7), todayJudgeCalls: 6, todayUnpricedCalls: 1, skippedToday: 2 });
    expect(s).toEqual({ ...SETTINGS, ...e, day: "2026-06-02" });
    // Late in the same local day (the next UTC day) the figures are the same.
    expect(await status(NEXT_MIDNIGHT - 1)).toMatchObject({ ...e, day: "2026-06-02" });
  });

  it("moves to the next local day at local midnight", async () => {
    const s = await status(NEXT_MIDNIGHT);
    expect(s).toMatchObject({ ...(await expected("2026-06-03")), day: "2026-06-03" });
    expect(s).toMatchObject({ todayMicros: 700 + 7, todayJudgeCalls: 1, skippedToday: 1 });
    expect(await status(MIDNIGHT - 1)).toMatchObject({ ...(await expected("2026-06-01")), day: "2026-06-01" });
  });

  it("gives null spend, never $0, on a day whose judge calls are all unpriced or that has none", async () => {
    const later = NEXT_MIDNIGHT + 86_400_000 + 10 * MIN;
    expect(await status(later)).toMatchObject({ todayMicros: null, todayJudgeCalls: 1, todayUnpricedCalls: 1, skippedToday: 0, day: "2026-06-04" });
    expect(await status(later + 86_400_000)).toMatchObject({ todayMicros: null, todayJudgeCalls: 0, skippedToday: 0, day: "2026-06-05" });
  });

  it("counts a late judge call and a late skip on the day they happened, not on their runs' day", async () => {
    const late = await status(LATE_DAY + 2 * 60 * MIN);
    expect(late).toMatchObject({ ...(await expected("2026-06-06")), day: "2026-06-06" });
    expect(late).toMatchObject({ todayMicros: 900 + 7, todayJudgeCalls: 1, todayUnpricedCalls: 0, skippedToday: 1 });
    expect(await status(LATE_DAY - 60 * MIN)).toMatchObject({ todayMicros: null, todayJudgeCalls: 0, skippedToday: 0, day: "2026-06-05" });
  });

  it("reads the UTC day with the default settings", async () => {
    const s = await status(NOW, DEFAULT_JUDGE_SETTINGS);
    const lines = (await t.db.selectFrom("usage_costs").select(["created_at", "cost_micros"]).where("kind", "=", "judge").execute()).filter(
      (l) => new Date(l.created_at).toISOString().startsWith("2026-06-02"),
    );
    expect(s).toMatchObject({ timeZone: "UTC", day: "2026-06-02", todayJudgeCalls: lines.length, todayMicros: lines.reduce((n, l) => n + (l.cost_micros ?? 0), 0) });
    expect(lines.length).toBe(3);
  });
});
