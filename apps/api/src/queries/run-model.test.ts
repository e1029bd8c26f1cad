import { recordEvaluation, recordSkippedEvaluation, recordUsage, type RunRef } from "@tally/inngest-functions";
import { storedAndExpected } from "@tally/inngest-functions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JUDGE, openTestDb, PRICE, seedPrices, type TestDb } from "./test-support.ts";

// A run of two models: a triage call on acme-small, then the answer on acme-large, which the judge scores.
// Deferred runs arrive in any order; whichever comes first, the run is acme-large's (the judged model).
const DAY = 86_400_000;
const START = Date.UTC(2026, 3, 1);
const w = { from: START, to: START + DAY };
const TRIAGE = { in: 300, out: 20 };
const ANSWER = { in: 1_000, out: 200 };
const JUDGE_CALL = { in: 80, out: 8 };
const cost = (model: keyof typeof PRICE, u: { in: number; out: number }) => u.in * PRICE[model].in + u.out * PRICE[model].out;
const tokens = (u: { in: number; out: number }) => ({ input_tokens: u.in, output_tokens: u.out, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 });
let t: TestDb;

async function expectRollupsEqualRawRows(): Promise<void> {
  for (const { table, stored, expected } of await storedAndExpected(t.db)) expect(stored, table).toEqual(expected);
}

const ref = (runId: string, model: string, at: number): RunRef => ({ runId, functionSlug: "support-agent", model, customerId: "cust-a", occurredAt: at, now: at + 1000 });
const usage = (runId: string, key: string, model: "acme-small" | "acme-large", u: { in: number; out: number }, at: number) =>
  recordUsage(t.db, ref(runId, model, at), { key: `${runId}-${key}`, deferredRunId: `${runId}-${key}`, kind: "agent", model, usage: tokens(u) });
const score = (runId: string, key: string, model: string, at: number, value = 8) =>
  recordEvaluation(t.db, ref(runId, model, at), {
    key: `${runId}-${key}`,
    deferredRunId: `${runId}-${key}`,
    model,
    judgeModel: JUDGE,
    rubricVersion: "v1",
    judgeCalls: 1,
    judgeUsage: tokens(JUDGE_CALL),
    outcome: { ok: true, scores: [{ name: "helpfulness", rawValue: value, scaleMin: 0, scaleMax: 10, rationale: "r" }] },
  });
const runModel = async (runId: string) => (await t.db.selectFrom("runs").select("model").where("run_id", "=", runId).executeTakeFirstOrThrow()).model;
const summary = async (model: string) => (await t.caller.overview.summary({ ...w, models: [model] })).current;

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
}, 120_000);
afterAll(() => t.close());

describe("the run's model when a run calls several models", () => {
  it("is the judged model even when the triage call's usage arrives first, with every count and the judge's spend moved to it", async () => {
    const at = START + 3_600_000;
    await usage("r1", "costs-1", "acme-small", TRIAGE, at);
    expect(await runModel("r1")).toBe("acme-small"); // all that is known so far
    await usage("r1", "costs-2", "acme-large", ANSWER, at + 1);
    expect(await runModel("r1")).toBe("acme-small");
    await score("r1", "score", "acme-large", at);
    expect(await runModel("r1")).toBe("acme-large");

    const large = await summary("acme-large");
    expect(large).toMatchObject({ runs: 1, scoredRuns: 1, pricedRuns: 1, spendMicros: { agent: cost("acme-large", ANSWER), judge: cost("acme-judge", JUDGE_CALL) } });
    expect(large.scores).toEqual([{ name: "helpfulness", mean: 0.8, n: 1 }]);
    // The triage model keeps its own spend and its run that called it, but no run of its own and no judge spend.
    const small = await summary("acme-small");
    expect(small).toMatchObject({ runs: 0, scoredRuns: 0, pricedRuns: 1, spendMicros: { agent: cost("acme-small", TRIAGE), judge: null } });
    expect((await t.caller.spend.byModel({ ...w, limit: 10 })).rows.map((r) => [r.model, r.judgeSpendMicros])).toEqual([
      ["acme-large", cost("acme-judge", JUDGE_CALL)],
      ["acme-small", null],
    ]);
    await expectRollupsEqualRawRows();
  });

  it("does not move again on a redelivery, a late usage line or a second score of another model", async () => {
    const at = START + 3_600_000;
    const before = await t.caller.overview.summary(w);
    await usage("r1", "costs-1", "acme-small", TRIAGE, at); // redelivered
    await score("r1", "score", "acme-large", at); // redelivered
    await score("r1", "score-triage", "acme-small", at, 4); // the app also judged the triage output
    expect(await runModel("r1")).toBe("acme-large");
    expect(await summary("acme-large")).toMatchObject({ runs: 1, scoredRuns: 1 });
    const small = await summary("acme-small");
    expect(small).toMatchObject({ runs: 0 });
    expect(small.scores).toEqual([{ name: "helpfulness", mean: 0.4, n: 1 }]); // scores stay under the model they judged
    const after = await t.caller.overview.summary(w);
    expect(after.current.runs).toBe(before.current.runs);
    expect(after.current.spendMicros.judge).toBe((before.current.spendMicros.judge ?? 0) + cost("acme-judge", JUDGE_CALL));
    await expectRollupsEqualRawRows();
  });

  it("keeps the judged model when the score comes first, and takes it from a judge left out by sampling", async () => {
    const at = START + 7_200_000;
    await score("r2", "score", "acme-large", at);
    await usage("r2", "costs-1", "acme-small", TRIAGE, at);
    expect(await runModel("r2")).toBe("acme-large");

    await usage("r3", "costs-1", "acme-small", TRIAGE, at);
    const skipped = await recordSkippedEvaluation(t.db, { run: ref("r3", "acme-large", at), key: "r3-score", deferredRunId: "r3-score", judgeModel: JUDGE, rubricVersion: "v1", reason: "not_sampled" });
    expect(skipped).toEqual({ inserted: true, counted: true });
    expect(await runModel("r3")).toBe("acme-large");

    await usage("r4", "costs-1", "acme-small", TRIAGE, at); // never judged: the only model it reported
    expect(await runModel("r4")).toBe("acme-small");

    expect(await summary("acme-large")).toMatchObject({ runs: 3, scoredRuns: 2 });
    expect(await summary("acme-small")).toMatchObject({ runs: 1, pricedRuns: 4 });
    await expectRollupsEqualRawRows();
  });
});
