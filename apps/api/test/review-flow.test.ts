import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { data, sessionFor } from "./access-client.ts";
import { type FakeServer, fakeSlack } from "./fake-servers.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { judgeEnv } from "./judge-runs.ts";
import { deliverReviewedScore, type EventApi, fakeEventApi, toneJudge } from "./review-runs.ts";

// Issue 19: the score function waits for a human review through the real serve() handler. The test executor
// stands in for the engine: it resumes `step.waitForEvent` with the event reviews.submit sent to a loopback
// Inngest event API, or with null (the 7-day timeout).

/** The steps a run reported, in order, by their names (the ops of every 206 answer). */
const stepNames = (responses: { status: number; body: unknown }[]) =>
  responses.filter((r) => r.status === 206).flatMap((r) => (Array.isArray(r.body) ? r.body : [r.body]) as { displayName?: string }[]).map((op) => op.displayName);

describe("human review flow", () => {
  let judge: FakeServer;
  let slack: FakeServer;
  let engine: EventApi;
  let tally: Tally;
  let reviewer: Record<string, string>;
  beforeAll(async () => {
    [judge, slack, engine] = await Promise.all([toneJudge(), fakeSlack(), fakeEventApi()]);
    tally = await startTally(
      judgeEnv(judge, {
        SLACK_WEBHOOK_URL: slack.url,
        INNGEST_BASE_URL: engine.url,
        TALLY_PUBLIC_URL: "https://tally.example.com",
        TALLY_REVIEW_SAMPLE_RATE: "0",
      }),
    );
    reviewer = await sessionFor(tally, "reviewer", "rita@review.test");
  }, 30_000);
  afterAll(async () => {
    await tally.close();
    await Promise.all([judge.close(), slack.close(), engine.close()]);
  });

  const items = () => tally.db.selectFrom("review_items").select(["id", "run_id", "status", "reason", "customer_id"]).orderBy("id").execute();

  it("a run scored well is not queued and never waits", async () => {
    const out = await deliverReviewedScore(tally, { parentRunId: "01GOOD", tone: 4 });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    expect(out.result).toMatchObject({ status: "scored", review: "none" });
    expect(out.waits).toEqual([]);
    expect(await items()).toEqual([]);
  });

  it("a low score is queued; a bad review resumes the run, records the outcome and posts one escaped Slack message with the run's link", async () => {
    let queuedWhileWaiting: unknown;
    const out = await deliverReviewedScore(tally, { parentRunId: "01LOW<!channel>", tone: 2, customerId: "acme" }, {
      onWaitForEvent: async () => {
        queuedWhileWaiting = await items();
        const answer = await data(tally, "reviews.submit", "mutation", {
          itemId: "score-01LOW<!channel>",
          verdict: "bad",
          note: "Curt with the customer",
          scores: [{ name: "tone", rawValue: 1 }, { name: "accuracy", rawValue: 5 }],
        }, reviewer);
        expect(answer).toMatchObject({ stored: true, resumed: true, replaced: false });
        expect(engine.events).toHaveLength(1);
        return engine.events[0]!;
      },
    });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    expect(queuedWhileWaiting).toEqual([{ id: "score-01LOW<!channel>", run_id: "01LOW<!channel>", status: "pending", reason: "threshold", customer_id: "acme" }]);
    expect(out.waits).toHaveLength(1);
    expect(out.waits[0]!.wait).toMatchObject({
      displayName: "await-human-review",
      name: "tally/review.submitted",
      // "7d" as the SDK writes it: 7 days = 1 week.
      opts: { timeout: "1w", if: 'async.data.itemId == "score-01LOW<!channel>"' },
    });
    expect(engine.events[0]).toMatchObject({ name: "tally/review.submitted", data: { itemId: "score-01LOW<!channel>", reviewId: expect.stringMatching(/^score-01LOW<!channel>:/) } });
    expect(out.result).toMatchObject({ status: "scored", review: "reviewed", reason: "threshold", verdict: "bad", notified: true });
    // Each side effect in its own step, in this order.
    expect(stepNames(out.responses)).toEqual(["judge-gate", "judge", "record-evaluation", "review-gate", "enqueue-review", "await-human-review", "record-review-outcome", "notify-bad-review"]);
    expect((await items())[0]).toMatchObject({ status: "reviewed" });

    expect(slack.requests).toHaveLength(1);
    const context = slack.requests[0]!.body.blocks[1].elements[0].text as string;
    expect(context).toContain("*Run:* tally-handle-support-ticket / 01LOW&lt;!channel&gt;");
    expect(context).toContain("<https://tally.example.com/runs/01LOW%3C!channel%3E|Open the run in Tally>");
    expect(context).not.toContain("<!channel>");
    expect(slack.requests[0]!.body).not.toHaveProperty("channel");

    // Human labels stay out of the judge's scores and rollups.
    const sources = await tally.db.selectFrom("scores").select(["source", "name", "raw_value"]).where("run_id", "=", "01LOW<!channel>").orderBy("name").execute();
    expect(sources).toEqual([
      { source: "judge", name: "accuracy", raw_value: 5 },
      { source: "judge", name: "helpfulness", raw_value: 4 },
      { source: "judge", name: "tone", raw_value: 2 },
    ]);
  });

  it("a duplicate event changes nothing: a re-delivered score run does not wait again, a second submission notifies no one", async () => {
    const before = { items: await items(), slack: slack.requests.length };
    let asked = 0;
    const again = await deliverReviewedScore(tally, { parentRunId: "01LOW<!channel>", tone: 2, customerId: "acme" }, {
      onWaitForEvent: () => {
        asked++;
        return engine.events[0]!;
      },
    });
    expect(again.status, JSON.stringify(again.error)).toBe("completed");
    // The evaluation is recorded already: no judge call, no second review wait.
    expect(again.result).toMatchObject({ status: "recorded", inserted: false });
    expect(asked).toBe(0);
    // The reviewer submits again (the same event goes out again): their review is replaced, not added.
    const answer = await data(tally, "reviews.submit", "mutation", { itemId: "score-01LOW<!channel>", verdict: "bad", scores: [{ name: "tone", rawValue: 1 }] }, reviewer);
    expect(answer).toMatchObject({ stored: true, resumed: true, replaced: true });
    expect(await items()).toEqual(before.items);
    expect(slack.requests).toHaveLength(before.slack);
    expect(await tally.db.selectFrom("reviews").select(["item_id", "verdict", "reviewer_label"]).execute()).toEqual([
      { item_id: "score-01LOW<!channel>", verdict: "bad", reviewer_label: "rita@review.test" },
    ]);
  });

  it("with no review in 7 days the wait times out and the item expires; no Slack message", async () => {
    const slackBefore = slack.requests.length;
    const out = await deliverReviewedScore(tally, { parentRunId: "01QUIET", tone: 1 }, { onWaitForEvent: () => null });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    expect(out.waits.map((w) => w.resumedWith)).toEqual([null]);
    expect(out.result).toMatchObject({ status: "scored", review: "expired", verdict: null, notified: false });
    expect(stepNames(out.responses).slice(3)).toEqual(["review-gate", "enqueue-review", "await-human-review", "expire-review"]);
    expect((await items()).find((i) => i.id === "score-01QUIET")).toMatchObject({ status: "expired" });
    expect(slack.requests).toHaveLength(slackBefore);
    // A late review is still stored and counted; the item is reviewed from then on.
    const late = await data(tally, "reviews.submit", "mutation", { itemId: "score-01QUIET", verdict: "good", scores: [] }, AUTH);
    expect(late).toMatchObject({ stored: true });
    expect((await items()).find((i) => i.id === "score-01QUIET")).toMatchObject({ status: "reviewed" });
  });

  it("matches the wait to its item with the id as an escaped string literal (quotes, backslashes)", async () => {
    const itemId = `key "quoted" \\ it's`;
    const out = await deliverReviewedScore(tally, { parentRunId: "01QUOTE", tone: 2, idempotencyKey: itemId }, {
      onWaitForEvent: async () => {
        await data(tally, "reviews.submit", "mutation", { itemId, verdict: "good", scores: [{ name: "tone", rawValue: 3 }] }, reviewer);
        return engine.events.at(-1)!;
      },
    });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    expect(out.waits[0]!.wait.opts.if).toBe(`async.data.itemId == ${JSON.stringify(itemId)}`);
    expect(out.result).toMatchObject({ review: "reviewed", verdict: "good", notified: false });
    // The executor refuses an event the expression does not match, as the engine would not deliver it.
    await expect(
      deliverReviewedScore(tally, { parentRunId: "01OTHER", tone: 2 }, { onWaitForEvent: () => ({ name: "tally/review.submitted", data: { itemId } }) }),
    ).rejects.toThrow(/does not match/);
  });
});
