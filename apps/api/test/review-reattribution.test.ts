import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { data } from "./access-client.ts";
import type { FakeServer } from "./fake-servers.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { judgeEnv } from "./judge-runs.ts";
import { closedUrl, deliverAndLeaveWaiting, toneJudge } from "./review-runs.ts";

// Issue 19 follow-up: a run scored (and queued for review) before its customer was known. When a later
// delivery for the same parent run names the customer, the run's review items follow it, so the review
// queue's customer filter finds them (as the run's scores and costs already did).

const T0 = Date.UTC(2026, 10, 2, 9);
const HOUR = 3_600_000;

describe("review items follow their run's re-attribution", () => {
  let judge: FakeServer;
  let tally: Tally;
  const queueIds = async (input: object) => ((await data(tally, "reviews.queue", "query", input, AUTH)).items as { id: string }[]).map((i) => i.id);
  const customers = () =>
    tally.db.selectFrom("review_items").select(["id", "customer_id"]).orderBy("id").execute();

  /** track-ai-costs for the parent run, naming its customer: the delivery that re-attributes the run. */
  async function trackCosts(parentRunId: string, customerId: string, runId: string) {
    const input = { customerId, model: "gpt-4o", provider: "openai", usage: { prompt_tokens: 1_000, completion_tokens: 100 } };
    const out = await tally.executor.runDeferred(
      { fnSlug: "tally-track-ai-costs", input },
      { fnSlug: "tally-handle-support-ticket", runId: parentRunId },
      { runId, ts: T0 + 2 * HOUR },
    );
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
  }

  beforeAll(async () => {
    judge = await toneJudge();
    tally = await startTally(judgeEnv(judge, { INNGEST_BASE_URL: await closedUrl(), TALLY_REVIEW_SAMPLE_RATE: "0" }));
    // Two evaluations of one run with no customer yet, a run already attributed to beta, and a run that stays unknown.
    await deliverAndLeaveWaiting(tally, { parentRunId: "01LATE", tone: 2, ts: T0 });
    await deliverAndLeaveWaiting(tally, { parentRunId: "01LATE", tone: 1, ts: T0, runId: "rescore-01LATE", idempotencyKey: "rescore-01LATE" });
    await deliverAndLeaveWaiting(tally, { parentRunId: "01BETA", tone: 2, customerId: "beta", ts: T0 + HOUR });
    await deliverAndLeaveWaiting(tally, { parentRunId: "01NOONE", tone: 2, ts: T0 + HOUR });
  }, 60_000);
  afterAll(async () => {
    await tally.close();
    await judge.close();
  });

  it("queues the items of a run with no customer under ''", async () => {
    expect(await customers()).toEqual([
      { id: "rescore-01LATE", customer_id: "" },
      { id: "score-01BETA", customer_id: "beta" },
      { id: "score-01LATE", customer_id: "" },
      { id: "score-01NOONE", customer_id: "" },
    ]);
    expect(await queueIds({ customerId: "acme" })).toEqual([]);
  });

  it("a later delivery naming the customer moves every item of that run, and only those, to it", async () => {
    await trackCosts("01LATE", "acme", "costs-01LATE");
    expect(await customers()).toEqual([
      { id: "rescore-01LATE", customer_id: "acme" },
      { id: "score-01BETA", customer_id: "beta" },
      { id: "score-01LATE", customer_id: "acme" },
      { id: "score-01NOONE", customer_id: "" },
    ]);
    // The queue's customer filter (over HTTP) now finds them, and "unknown customer" no longer does.
    expect((await queueIds({ customerId: "acme" })).sort()).toEqual(["rescore-01LATE", "score-01LATE"]);
    expect(await queueIds({ customerId: "" })).toEqual(["score-01NOONE"]);
    // The run agrees with its items.
    const run = await tally.db.selectFrom("runs").select("customer_id").where("run_id", "=", "01LATE").executeTakeFirstOrThrow();
    expect(run.customer_id).toBe("acme");
  });

  it("a run's first customer stays: a later delivery naming another leaves its items where they are", async () => {
    await trackCosts("01BETA", "gamma", "costs-01BETA");
    await trackCosts("01LATE", "gamma", "costs-01LATE-again");
    expect(await customers()).toEqual([
      { id: "rescore-01LATE", customer_id: "acme" },
      { id: "score-01BETA", customer_id: "beta" },
      { id: "score-01LATE", customer_id: "acme" },
      { id: "score-01NOONE", customer_id: "" },
    ]);
  });
});
