import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, fakeChatServer, verdict } from "./fake-servers.ts";
import { startTally, type Tally } from "./harness.ts";
import { countingJudge, deliverScore, evaluationsByRun, expectedInSample, judgeEnv, sumRunRollup } from "./judge-runs.ts";

// Sampling through the real serve() handler, with a loopback judge that counts its calls.
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `01${prefix}${String(i).padStart(4, "0")}`);

describe("TALLY_JUDGE_SAMPLE_RATE=0", () => {
  let judge: FakeServer;
  let tally: Tally;
  beforeAll(async () => {
    judge = await countingJudge();
    tally = await startTally(judgeEnv(judge, { TALLY_JUDGE_SAMPLE_RATE: "0" }));
  });
  afterAll(async () => {
    await tally.close();
    await judge.close();
  });

  it("calls the judge 0 times and records every run as not sampled, never as a score", { timeout: 30_000 }, async () => {
    const runs = ids("ZERO", 20);
    for (const parentRunId of runs) {
      const out = await deliverScore(tally, { parentRunId, customerId: "acme" });
      expect(out.status, JSON.stringify(out.error)).toBe("completed");
      expect(out.result).toMatchObject({ status: "not_sampled" });
    }
    expect(judge.requests).toHaveLength(0);
    const evaluations = await evaluationsByRun(tally);
    expect(evaluations.map((e) => [e.run_id, e.status, e.judge_calls])).toEqual(runs.map((r) => [r, "not_sampled", 0]));
    const outcomes = await tally.db.selectFrom("runs").select(["run_id", "judge_outcome", "scored_at"]).orderBy("run_id").execute();
    expect(outcomes).toEqual(runs.map((run_id) => ({ run_id, judge_outcome: "not_sampled", scored_at: null })));
    expect(await tally.db.selectFrom("scores").selectAll().execute()).toEqual([]);
    expect(await tally.db.selectFrom("usage_costs").selectAll().execute()).toEqual([]);
    expect(await sumRunRollup(tally, "unsampled_runs")).toBe(20);
    expect(await sumRunRollup(tally, "scored_runs")).toBe(0);
  });
});

describe("TALLY_JUDGE_SAMPLE_RATE=0.5", () => {
  let judge: FakeServer;
  let tally: Tally;
  beforeAll(async () => {
    judge = await countingJudge();
    tally = await startTally(judgeEnv(judge, { TALLY_JUDGE_SAMPLE_RATE: "0.5" }));
  });
  afterAll(async () => {
    await tally.close();
    await judge.close();
  });

  const runs = ids("HALF", 40);
  const expected = runs.filter((id) => expectedInSample(id, 0.5));

  it("judges exactly the runs whose hash draw is under the rate, and a re-delivery samples the same runs", { timeout: 60_000 }, async () => {
    // Both outcomes occur in this set, so the test tells sampling from all-or-nothing.
    expect(expected.length).toBeGreaterThan(5);
    expect(expected.length).toBeLessThan(35);
    for (const round of ["first", "again"]) {
      const before = judge.requests.length;
      for (const parentRunId of runs) {
        const out = await deliverScore(tally, { parentRunId, runId: `${round}-${parentRunId}`, customerId: "acme" });
        expect(out.status, JSON.stringify(out.error)).toBe("completed");
      }
      expect(judge.requests.length - before, round).toBe(expected.length);
      const rows = (await evaluationsByRun(tally)).filter((e) => e.id.startsWith(`${round}-`));
      expect(rows.filter((e) => e.status === "succeeded").map((e) => e.run_id), round).toEqual(expected);
      expect(rows.filter((e) => e.status === "not_sampled").map((e) => e.run_id), round).toEqual(runs.filter((r) => !expected.includes(r)));
    }
    // Each run left out counts once, however often it is delivered.
    expect(await sumRunRollup(tally, "unsampled_runs")).toBe(runs.length - expected.length);
    expect(await sumRunRollup(tally, "scored_runs")).toBe(expected.length);
  });

});

describe("a retry of a score run", () => {
  let judge: FakeServer;
  let tally: Tally;
  let failures = 0;
  beforeAll(async () => {
    judge = await fakeChatServer(() =>
      failures-- > 0 ? { status: 503, body: { error: "overloaded" } } : { content: verdict({ helpfulness: 4, accuracy: 5, tone: 3 }) },
    );
    tally = await startTally(judgeEnv(judge, { TALLY_JUDGE_SAMPLE_RATE: "0.5" }));
  });
  afterAll(async () => {
    await tally.close();
    await judge.close();
  });

  it("keeps the gate's decision (a memoised step) when the rate changes between attempts", async () => {
    const parentRunId = ids("RETRY", 40).find((id) => expectedInSample(id, 0.5))!;
    failures = 1;
    const out = await deliverScore(tally, { parentRunId, customerId: "acme" }, {
      beforeRequest: async (attempt) => {
        // The judge step failed once; before the retry the customer's rate drops to 0.
        if (attempt === 1) {
          await tally.db
            .insertInto("judge_sampling")
            .values({ scope: "customer", key: "acme", rate: 0, updated_at: 0, updated_by: "test" })
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
      },
    });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    expect(out.attempts).toBe(2);
    expect(judge.requests).toHaveLength(2);
    expect((await evaluationsByRun(tally)).map((e) => [e.run_id, e.status])).toEqual([[parentRunId, "succeeded"]]);
    // A new run of the same customer now follows the new rate.
    const next = await deliverScore(tally, { parentRunId, runId: "score-after-change", customerId: "acme" });
    expect(next.result).toMatchObject({ status: "not_sampled" });
    expect(judge.requests).toHaveLength(2);
  });
});

describe("per-customer and per-model sample rates", () => {
  let judge: FakeServer;
  let tally: Tally;
  beforeAll(async () => {
    judge = await countingJudge();
    tally = await startTally(judgeEnv(judge, { TALLY_JUDGE_SAMPLE_RATE: "1" }));
    await tally.db
      .insertInto("judge_sampling")
      .values([
        { scope: "model", key: "gpt-4o", rate: 0, updated_at: 0, updated_by: "test" },
        { scope: "customer", key: "acme", rate: 1, updated_at: 0, updated_by: "test" },
        { scope: "customer", key: "zed", rate: 0, updated_at: 0, updated_by: "test" },
      ])
      .execute();
  });
  afterAll(async () => {
    await tally.close();
    await judge.close();
  });

  it("a customer's rate beats its model's, a model's beats the global rate", async () => {
    const cases = [
      { parentRunId: "01PREC01", model: "gpt-4o", customerId: "acme", judged: true }, // customer 1 over model 0
      { parentRunId: "01PREC02", model: "gpt-4o", customerId: "beta", judged: false }, // model 0 over global 1
      { parentRunId: "01PREC03", model: "gpt-4o", judged: false }, // no customer yet: the model's rate
      { parentRunId: "01PREC04", model: "gpt-4o-mini", customerId: "beta", judged: true }, // global 1
      { parentRunId: "01PREC05", model: "gpt-4o-mini", customerId: "zed", judged: false }, // customer 0 over global 1
    ];
    for (const c of cases) {
      const out = await deliverScore(tally, c);
      expect(out.result, c.parentRunId).toMatchObject({ status: c.judged ? "scored" : "not_sampled" });
    }
    expect(judge.requests).toHaveLength(cases.filter((c) => c.judged).length);
    const outcomes = await tally.db.selectFrom("runs").select(["run_id", "judge_outcome"]).orderBy("run_id").execute();
    expect(outcomes).toEqual(cases.map((c) => ({ run_id: c.parentRunId, judge_outcome: c.judged ? null : "not_sampled" })));
  });
});
