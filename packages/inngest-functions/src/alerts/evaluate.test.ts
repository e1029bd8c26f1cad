import { connectTestDatabase } from "@tally/shared/db/testing";
import { beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@tally/shared/db";
import { fill } from "@tally/shared/pricing";
import { recordEvaluation } from "../record/evaluation.ts";
import { recordUsage } from "../record/usage.ts";
import { type AlertEvaluation, evaluateRules, type RuleInput } from "./evaluate.ts";

// Each rule kind fires and resolves on data written by the real recording functions into a real SQLite
// database. The agent model is priced by an override at $1 per million input tokens, so a line of N input
// tokens costs exactly N micro-USD: every expected figure below is arithmetic on the amounts written here.

const H = 3_600_000;
const D = 24 * H;
const NOW = Date.UTC(2026, 11, 15, 12); // Tue 15 Dec 2026, 12:00 UTC
const PRICED = "alert-agent";
let db: Db;
let seq = 0;

async function spend(customerId: string, micros: number, at: number, model = PRICED): Promise<void> {
  const runId = `run-${++seq}`;
  await recordUsage(db, { runId, functionSlug: "t", model, customerId, occurredAt: at, now: at }, { key: runId, deferredRunId: runId, kind: "agent", model, usage: fill({ input_tokens: micros }) });
}

async function judged(model: string, at: number, raw: number | null, name = "helpfulness"): Promise<void> {
  const runId = `run-${++seq}`;
  await recordEvaluation(db, { runId, functionSlug: "t", model, customerId: "acme", occurredAt: at, now: at }, {
    key: `${runId}-score`,
    deferredRunId: `${runId}-score`,
    model,
    judgeModel: "judge",
    rubricVersion: "v1",
    judgeCalls: 0,
    judgeUsage: fill({}),
    outcome: raw === null ? { ok: false, error: "no verdict", rawOutput: "?" } : { ok: true, scores: [{ name, rawValue: raw, scaleMin: 1, scaleMax: 5, rationale: "" }] },
  });
}

async function customer(id: string, name: string, budgetUsd: number | null): Promise<void> {
  await db.insertInto("customers").values({ id, name, monthly_budget_micros: budgetUsd === null ? null : budgetUsd * 1e6, created_at: 0, updated_at: 0 }).execute();
}

const rule = (kind: RuleInput["kind"], params: unknown, id: string = kind): RuleInput => ({ id, kind, name: id, params });
const evaluate = (rules: RuleInput[], now = NOW, timeZone = "UTC") => evaluateRules(db, rules, { now, timeZone });

/** What the cron function stores (A2's record step): each evaluation as the rule × subject × period's state. */
async function store(evals: AlertEvaluation[], now = NOW): Promise<void> {
  for (const e of evals) {
    const row = { firing: e.firing ? 1 : 0, value: e.value, threshold: e.threshold, message: e.message, link: e.link, since: now, evaluated_at: now };
    await db
      .insertInto("alert_states")
      .values({ rule_id: e.ruleId, subject: e.subject, period: e.period, ...row })
      .onConflict((oc) => oc.columns(["rule_id", "subject", "period"]).doUpdateSet(row))
      .execute();
  }
}
const firing = (evals: AlertEvaluation[]) => evals.filter((e) => e.firing).map((e) => [e.subject, e.period, e.value]);

beforeEach(async () => {
  db = await connectTestDatabase({ file: ":memory:" });
  await db
    .insertInto("model_prices")
    .values({ model: PRICED, provider: "", input_micros_per_mtok: 1_000_000, output_micros_per_mtok: 1_000_000, cache_read_micros_per_mtok: null, cache_write_micros_per_mtok: null, effective_from: 0, created_at: 0 })
    .execute();
});

describe("budget (the built-in rule: 80% and 100% of each monthly budget, in the reporting zone's month)", () => {
  it("fires at 80%, then 100%, counts only this month, and resolves when the month turns", async () => {
    await customer("globex", "Globex", 100);
    await customer("acme", "Acme", null); // no budget: never evaluated
    await spend("globex", 50_000_000, Date.UTC(2026, 11, 1, 3)); // Dec 1 03:00 UTC: still November in New York
    await spend("globex", 29_000_000, Date.UTC(2026, 11, 10));
    await spend("globex", 40_000_000, Date.UTC(2026, 10, 20)); // November: not this month
    await spend("acme", 99_000_000, Date.UTC(2026, 11, 10));
    const builtin = (await db.selectFrom("alert_rules").selectAll().where("id", "=", "builtin-budget").execute())[0]!;

    let evals = await evaluate([builtin]);
    expect(evals.map((e) => [e.subject, e.period, e.firing, e.value, e.threshold])).toEqual([
      ["globex", "2026-12@80", false, 79_000_000, 80_000_000],
      ["globex", "2026-12@100", false, 79_000_000, 100_000_000],
    ]);
    // In New York the 03:00 UTC spend belongs to November: 29 of 100.
    expect((await evaluate([builtin], NOW, "America/New_York")).map((e) => e.value)).toEqual([29_000_000, 29_000_000]);

    await spend("globex", 2_000_000, Date.UTC(2026, 11, 14));
    evals = await evaluate([builtin]);
    expect(firing(evals)).toEqual([["globex", "2026-12@80", 81_000_000]]);
    expect(evals[0]!.message).toContain("Globex reached 81% of its monthly budget ($81.00 of $100.00)");
    expect(evals[0]!.link).toBe("/spend?range=this-month&tz=UTC&customer=globex");
    await store(evals);

    await spend("globex", 19_000_000, Date.UTC(2026, 11, 14, 1));
    evals = await evaluate([builtin]);
    expect(firing(evals)).toEqual([
      ["globex", "2026-12@80", 100_000_000],
      ["globex", "2026-12@100", 100_000_000],
    ]);
    expect(evals[1]!.message).toContain("over budget");
    await store(evals);

    // January: both December states come back not firing (resolved); January's start at 0.
    const jan = await evaluate([builtin], Date.UTC(2027, 0, 2));
    expect(jan.map((e) => [e.period, e.firing, e.value])).toEqual([
      ["2027-01@80", false, 0],
      ["2027-01@100", false, 0],
      ["2026-12@100", false, null],
      ["2026-12@80", false, null],
    ]);
  });

  it("a customer's own budget rule replaces the built-in one for that customer", async () => {
    await customer("globex", "Globex", 100);
    await customer("initech", "Initech", 10);
    await spend("globex", 60_000_000, Date.UTC(2026, 11, 2));
    await spend("initech", 7_996_000, Date.UTC(2026, 11, 2)); // 79.96%: reads 79.9%, never a threshold it has not reached
    const own = { id: "own", kind: "budget" as const, name: "Globex 50%", params: JSON.stringify({ thresholds: [50], customerId: "globex" }), enabled: 1, builtin: 0, created_by: "t", created_at: 1, updated_at: 1 };
    await db.insertInto("alert_rules").values(own).execute();
    const evals = await evaluate([rule("budget", { thresholds: [80, 100] }, "builtin-budget"), own]);
    expect(evals.map((e) => [e.ruleId, e.subject, e.period, e.firing])).toEqual([
      ["builtin-budget", "initech", "2026-12@80", false],
      ["builtin-budget", "initech", "2026-12@100", false],
      ["own", "globex", "2026-12@50", true],
    ]);
    expect(evals[0]!.message).toContain("Initech is at 79.9% of its monthly budget ($8.00 of $10.00) in 2026-12 (UTC), under 80%");
  });

  it("a firing built-in state handed to the customer's own rule closes silently (no false 'resolved'); the month turning still resolves", async () => {
    await customer("acme", "Acme", 100);
    await spend("acme", 85_000_000, Date.UTC(2026, 11, 2));
    const builtin = rule("budget", { thresholds: [80, 100] }, "builtin-budget");
    await store(await evaluate([builtin]));
    const own = { id: "own", kind: "budget" as const, name: "Acme 90%", params: JSON.stringify({ thresholds: [90], customerId: "acme" }), enabled: 1, builtin: 0, created_by: "t", created_at: 1, updated_at: 1 };
    await db.insertInto("alert_rules").values(own).execute();
    // Still 85%: the built-in no longer covers acme and says nothing about it; its own rule is under 90%.
    expect((await evaluate([builtin, own])).map((e) => [e.ruleId, e.subject, e.period, e.firing])).toEqual([["own", "acme", "2026-12@90", false]]);
    // A month later the built-in's December episode resolves, named as no longer firing.
    const january = await evaluate([builtin], Date.UTC(2027, 0, 2));
    expect(january.map((e) => [e.subject, e.period, e.firing, e.message])).toEqual([
      ["acme", "2026-12@80", false, "No longer firing (was: Acme reached 85% of its monthly budget ($85.00 of $100.00) in 2026-12 (UTC): past 80%)"],
    ]);
  });
});

it("budget and forecast messages name the unpriced calls their priced figures leave out", async () => {
  await customer("umbrella", "Umbrella", 1);
  await spend("umbrella", 1_000_000, Date.UTC(2026, 11, 2, 10)); // $1.00 priced
  for (const day of [3, 4]) await spend("umbrella", 500, Date.UTC(2026, 11, day, 10), "model-with-no-price");
  const [at80, at100] = await evaluate([rule("budget", { thresholds: [80, 100] })]);
  expect(at80!.message).toBe("Umbrella reached 100% of its monthly budget ($1.00 of $1.00 + 2 unpriced calls not counted) in 2026-12 (UTC): past 80%");
  expect(at100!.firing).toBe(true);
  const [f] = await evaluate([rule("forecast", {})]);
  expect(f!.message).toMatch(/; \$1\.00 spent so far \+ 2 unpriced calls not counted$/);
});

describe("forecast", () => {
  it("fires when the burn rate so far carries the month over budget, with its 95% interval", async () => {
    await customer("initech", "Initech", 30);
    // 14 full days alternating $1 and $3, then $1 by noon of the 15th: $29 in 14.5 days, $2/day.
    for (let d = 0; d < 14; d++) await spend("initech", d % 2 === 0 ? 1_000_000 : 3_000_000, Date.UTC(2026, 11, 1 + d, 10));
    await spend("initech", 1_000_000, Date.UTC(2026, 11, 15, 9));
    const [e] = await evaluate([rule("forecast", {})]);
    // 29 + 2 × (31 − 14.5) = 62 dollars. s² = 14 × 1² / 13; half = t(0.975, 13) · s · √(R + R²/14), R = 16.5.
    const half = 2.16 * Math.sqrt((14 / 13) * (16.5 + 16.5 ** 2 / 14)) * 1e6;
    expect(e).toMatchObject({ subject: "initech", period: "2026-12", firing: true, value: 62_000_000, threshold: 30_000_000 });
    expect(e!.message).toContain(`95% interval $${((62e6 - half) / 1e6).toFixed(2)}–$${((62e6 + half) / 1e6).toFixed(2)}`);
    await customer("hooli", "Hooli", 1000);
    expect(firing(await evaluate([rule("forecast", { customerId: "hooli" })]))).toEqual([]);
  });
});

describe("rolling windows", () => {
  it("spend_over: any customer over $X in the window, per model optional; one episode until it resolves", async () => {
    await customer("acme", "Acme", null);
    await spend("acme", 3_000_000, NOW - 2 * H);
    await spend("acme", 3_000_000, NOW - 30 * H); // outside 24 h
    await spend("globex", 1_000_000, NOW - H);
    const r = rule("spend_over", { amountMicros: 5_000_000, windowHours: 24 });
    expect(firing(await evaluate([r]))).toEqual([]);
    await spend("acme", 2_500_000, NOW - H);
    let evals = await evaluate([r]);
    expect(firing(evals)).toEqual([["acme", "2026-12-15T12:00Z", 5_500_000]]);
    expect(evals.find((e) => e.subject === "acme")!.message).toBe("Acme spent $5.50 in the last 1 d, over $5.00");
    await store(evals);
    // Still firing an hour later: the same episode (period), so nothing new to send.
    evals = await evaluate([r], NOW + H);
    expect(firing(evals)).toEqual([["acme", "2026-12-15T12:00Z", 5_500_000]]);
    // Per model: none of it was on another model.
    expect(firing(await evaluate([rule("spend_over", { amountMicros: 5_000_000, windowHours: 24, model: "other" }, "m")]))).toEqual([]);
    // A day later the window is empty: the episode comes back not firing.
    evals = await evaluate([r], NOW + 26 * H);
    expect(evals.map((e) => [e.subject, e.period, e.firing])).toEqual([["acme", "2026-12-15T12:00Z", false]]);
    await store(evals, NOW + 26 * H);
    // A new episode is a new period.
    await spend("acme", 6_000_000, NOW + 27 * H);
    expect(firing(await evaluate([r], NOW + 28 * H))).toEqual([["acme", "2026-12-16T16:00Z", 6_000_000]]);
  });

  it("a rolling window holds every moment of its last hours: spend 55 minutes ago is in the last hour", async () => {
    await customer("acme", "Acme", null);
    const now = NOW + 32 * 60_000; // 12:32
    await spend("acme", 200_000, now - 55 * 60_000); // 11:37
    await spend("acme", 300_000, now - 80 * 60_000); // 11:12: before the bucket holding now − 1 h (11:30)
    const [e] = await evaluate([rule("spend_over", { amountMicros: 100_000, windowHours: 1 })], now);
    expect(e).toMatchObject({ subject: "acme", firing: true, value: 200_000 });
  });

  it("spend_spike: the last hours above k × the trailing baseline, at least minMicros", async () => {
    // Windows end at the running 15-minute bucket's end (12:15) and start at the bucket holding now − 1 h: the
    // last hour is [11:00, 12:15), the baseline the 24 hours before it, where $0.10 was spent each hour (at :30).
    for (let h = 1; h <= 24; h++) await spend("acme", 100_000, NOW - h * H - 30 * 60_000);
    await spend("acme", 250_000, NOW - 30 * 60_000);
    const r = rule("spend_spike", { by: "model", windowHours: 1, baselineHours: 24, factor: 3, minMicros: 200_000 });
    let [e] = await evaluate([r]);
    expect(e).toMatchObject({ subject: PRICED, firing: false, value: 250_000, threshold: 300_000 });
    await spend("acme", 100_000, NOW - 20 * 60_000);
    [e] = await evaluate([r]);
    expect(e).toMatchObject({ subject: PRICED, firing: true, value: 350_000, threshold: 300_000 });
    expect(e!.message).toContain("3.5×");
  });

  it("spend_over and spend_spike count the judge's spend under the judged run's model and time, as the Spend page does", async () => {
    const JUDGE = "alert-judge";
    await db.insertInto("model_prices").values({ model: JUDGE, provider: "", input_micros_per_mtok: 1_000_000, output_micros_per_mtok: 1_000_000, cache_read_micros_per_mtok: null, cache_write_micros_per_mtok: null, effective_from: 0, created_at: 0 }).execute();
    const judge = (runId: string, micros: number, deliveredAt: number) =>
      recordEvaluation(db, { runId, functionSlug: "t", occurredAt: deliveredAt, now: deliveredAt }, {
        key: `${runId}-score`, deferredRunId: `${runId}-score`, model: PRICED, judgeModel: JUDGE, rubricVersion: "v1", judgeCalls: 1,
        judgeUsage: fill({ input_tokens: micros }), outcome: { ok: true, scores: [{ name: "helpfulness", rawValue: 4, scaleMin: 1, scaleMax: 5, rationale: "" }] },
      });
    await customer("acme", "Acme", null);
    await spend("acme", 1_000_000, NOW - 2 * H); // run-<seq>: inside the day
    await judge(`run-${seq}`, 4_500_000, NOW - H);
    await spend("acme", 2_000_000, NOW - 25 * H); // outside the day, judged inside it: not this window's spend
    await judge(`run-${seq}`, 3_000_000, NOW - 3 * H);
    // $1.00 agent + $4.50 judge on the PRICED run in the window; nothing booked under the judge's own model.
    const onAgent = rule("spend_over", { amountMicros: 5_000_000, windowHours: 24, model: PRICED }, "agent");
    const onJudge = rule("spend_over", { amountMicros: 1, windowHours: 24, model: JUDGE }, "judge");
    const all = rule("spend_over", { amountMicros: 5_000_000, windowHours: 24 }, "all");
    expect(firing(await evaluate([onAgent, onJudge, all]))).toEqual([
      ["acme", "2026-12-15T12:00Z", 5_500_000],
      ["acme", "2026-12-15T12:00Z", 5_500_000],
    ]);
    // By model over the last 3 h against the 21 h before: $5.50 on PRICED now, $0 before (its judge line arrived 22 h later).
    const [spike, ...rest] = await evaluate([rule("spend_spike", { by: "model", windowHours: 3, baselineHours: 21, factor: 3, minMicros: 1 })]);
    expect(rest).toEqual([]);
    expect(spike).toMatchObject({ subject: PRICED, firing: true, value: 5_500_000, threshold: 0 });
  });

  it("spend_spike: steady spend is 1.0× at any minute of the running bucket (the baseline scaled to the span read)", async () => {
    // $0.001 every 5 minutes for a day and more, written up to each tick (12:00, 12:07:30, 12:14:30) before it.
    const r = rule("spend_spike", { by: "model", windowHours: 1, baselineHours: 24, factor: 1.2, minMicros: 1 });
    let t = NOW - 26 * H;
    for (const now of [NOW, NOW + 7.5 * 60_000, NOW + 14.5 * 60_000]) {
      for (; t <= now; t += 5 * 60_000) await spend("acme", 1_000, t);
      const [e] = await evaluate([r], now);
      // Calls in [bucket holding now − 1 h, now] over 12 an hour in the baseline: within a call of 1.0×.
      expect(e!.firing, `${new Date(now).toISOString()}: ${e!.message}`).toBe(false);
      const ratio = Number(/: ([\d.]+)×/.exec(e!.message)![1]);
      expect(ratio).toBeGreaterThanOrEqual(0.9);
      expect(ratio).toBeLessThanOrEqual(1.1);
    }
  });

  it("quality_drop: mean below the threshold, or significantly below the previous window (n ≥ minSamples)", async () => {
    // Previous day: 40 scores alternating 5 and 4 (1.0, 0.75); last day: 40 alternating 3 and 2 (0.5, 0.25).
    for (let i = 0; i < 40; i++) await judged("q-model", NOW - 30 * H + i * 60_000, i % 2 ? 5 : 4);
    for (let i = 0; i < 40; i++) await judged("q-model", NOW - 6 * H + i * 60_000, i % 2 ? 3 : 2);
    const [below] = await evaluate([rule("quality_drop", { scoreName: "helpfulness", windowHours: 24, threshold: 0.4 })]);
    expect(below).toMatchObject({ subject: "q-model|helpfulness", firing: true, value: 0.375, threshold: 0.4 });
    // The Welch test against the previous day: diff −0.5, each variance 0.015625 × 40/39, t ≈ −17.8 (df 78).
    const [drop] = await evaluate([rule("quality_drop", { scoreName: "helpfulness", windowHours: 24, compareToPrevious: true })]);
    expect(drop).toMatchObject({ firing: true, value: 0.375, threshold: 0.875 });
    expect(drop!.message).toContain("a significant drop");
    // Fewer than minSamples: not judged at all.
    expect(await evaluate([rule("quality_drop", { scoreName: "helpfulness", windowHours: 24, threshold: 0.9, minSamples: 41 })])).toEqual([]);
    // At or above the threshold: not firing.
    expect(firing(await evaluate([rule("quality_drop", { scoreName: "helpfulness", windowHours: 24, threshold: 0.375 })]))).toEqual([]);
  });

  it("unpriced: a model with unpriced calls in the window fires; once they leave the window it resolves", async () => {
    await spend("acme", 1000, NOW - H, "zz-no-price-model");
    await spend("acme", 1000, NOW - 2 * H, "zz-no-price-model");
    await spend("acme", 1000, NOW - H);
    const r = rule("unpriced", { windowHours: 24 });
    const evals = await evaluate([r]);
    expect(evals.map((e) => [e.subject, e.firing, e.value])).toEqual([["zz-no-price-model", true, 2]]);
    await store(evals);
    expect((await evaluate([r], NOW + 2 * D)).map((e) => [e.subject, e.firing])).toEqual([["zz-no-price-model", false]]);
  });

  it("judge_failures: the window's failed evaluations over those the judge answered, from minRuns", async () => {
    for (let i = 0; i < 7; i++) await judged("m", NOW - H, 4);
    for (let i = 0; i < 3; i++) await judged("m", NOW - H, null);
    const [e] = await evaluate([rule("judge_failures", { rate: 0.2, windowHours: 24, minRuns: 5 })]);
    expect(e).toMatchObject({ subject: "", firing: true, value: 0.3, threshold: 0.2 });
    expect(e!.message).toContain("failed 3 of 10 evaluations (30%)");
    expect(firing(await evaluate([rule("judge_failures", { rate: 0.2, windowHours: 24, minRuns: 11 })]))).toEqual([]);
    expect(firing(await evaluate([rule("judge_failures", { rate: 0.3, windowHours: 24, minRuns: 5 })]))).toEqual([]);
  });
});

it("a stored rule whose params no longer parse gives nothing (and the others still evaluate)", async () => {
  await spend("acme", 1000, NOW - H, "zz-no-price-model");
  const evals = await evaluate([rule("spend_over", "{not json"), rule("unpriced", { windowHours: 24 })]);
  expect(evals.map((e) => e.ruleId)).toEqual(["unpriced"]);
});
