import { afterEach, describe, expect, it } from "vitest";
import type { RunOutcome } from "./executor.ts";
import { type FakeServer, fakeChatServer, fakeSlack, verdict } from "./fake-servers.ts";
import { PARENT, startTally, type Tally } from "./harness.ts";
import { judgeEnv } from "./judge-runs.ts";

// Two deliveries of one run that overlap (a slow judge or Slack, the executor redelivering meanwhile, two API
// instances) through the real serve() handler: the judge is called and Slack posted once. The second delivery
// is told to retry when the first's lease ends (Retry-After), and then finds the outcome recorded.
let tally: Tally | undefined;
const servers: FakeServer[] = [];
afterEach(async () => {
  await tally?.close();
  tally = undefined;
  for (const s of servers.splice(0)) await s.close();
});
const serve = async (s: Promise<FakeServer>) => {
  const server = await s;
  servers.push(server);
  return server;
};

/** A promise and the function that settles it: a third party held mid-answer. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

const score = { fnSlug: "tally-score-agent-output", input: { response: "Refund sent.", model: "gpt-4o", customerId: "acme" } };
const notify = { fnSlug: "tally-notify-agent-completion", input: { summary: "Answered T-9", channel: "#support-ai" } };
const VERDICT = { helpfulness: 4, accuracy: 5, tone: 3 };
// Each read runs when asked for: a read made and never awaited could still be running when the test closes the
// database (PostgreSQL: "driver has already been destroyed", an unhandled rejection).
const rows = (t: Tally) => ({
  get evaluations() {
    return t.db.selectFrom("evaluations").select(["id", "status", "judge_calls"]).execute();
  },
  get judgeLines() {
    return t.db.selectFrom("usage_costs").select(["input_tokens"]).where("kind", "=", "judge").execute();
  },
  get scores() {
    return t.db.selectFrom("scores").select(["name", "value"]).orderBy("name").execute();
  },
  get claims() {
    return t.db.selectFrom("side_effect_claims").selectAll().execute();
  },
});
const retryAfters = (out: RunOutcome) => out.responses.map((r) => r.retryAfter).filter((r) => r !== null).map(Number);

describe("overlapping deliveries of one score run", () => {
  it("call the judge once: the second waits out the first's lease, then finds the evaluation recorded", async () => {
    const slowJudge = gate();
    const judge = await serve(fakeChatServer(() => ({ content: verdict(VERDICT), promptTokens: 321 }), () => slowJudge.opened));
    tally = await startTally(judgeEnv(judge));
    const t = tally;
    const first = t.executor.runDeferred(score, PARENT, { runId: "01SCOREOVERLAP" });
    await expect.poll(() => judge.requests.length).toBe(1);
    // The same run delivered again while the judge is still answering the first.
    const second = await t.executor.runDeferred(score, PARENT, {
      runId: "01SCOREOVERLAP",
      beforeRequest: async (attempt) => {
        if (attempt === 0) return;
        // Inngest waits the Retry-After; meanwhile the first delivery finishes.
        slowJudge.open();
        await first;
      },
    });
    const firstOut = await first;
    expect(firstOut.status, JSON.stringify(firstOut.error)).toBe("completed");
    expect(firstOut.result).toMatchObject({ status: "scored", scores: VERDICT });
    expect(second.status, JSON.stringify(second.error)).toBe("completed");
    expect(second.result).toEqual({ status: "recorded", inserted: false, scores: 0 });
    // One paid call, one judge line, one set of scores; the wait asked for is what the lease had left:
    // 3 calls (1 + 2 repairs) × 60 s (the chat timeout) + 30 s = 210 s at most.
    expect(judge.requests).toHaveLength(1);
    const [wait] = retryAfters(second);
    expect(wait).toBeGreaterThan(200);
    expect(wait).toBeLessThanOrEqual(210);
    expect(JSON.stringify(second.responses.find((r) => r.retryAfter)?.body)).toContain("under way in another delivery");
    const now = rows(t);
    expect(await now.evaluations).toEqual([{ id: "01SCOREOVERLAP", status: "succeeded", judge_calls: 1 }]);
    expect(await now.judgeLines).toEqual([{ input_tokens: 321 }]);
    expect((await now.scores).map((s) => s.name)).toEqual(["accuracy", "helpfulness", "tone"]);
    expect(await now.claims).toEqual([]);
  });

  it("a delivery arriving after the judge answered but before the record reuses that answer, with no second call", async () => {
    const judge = await serve(fakeChatServer(() => ({ content: verdict(VERDICT), promptTokens: 222 })));
    tally = await startTally(judgeEnv(judge));
    const t = tally;
    const paused = gate();
    const resumed = gate();
    // The first delivery stops before the request that would record its evaluation (its instance stalls).
    const first = t.executor.runDeferred(score, PARENT, {
      runId: "01SCOREKEPT",
      beforeRequest: async () => {
        const kept = await t.db.selectFrom("side_effect_claims").select("result").executeTakeFirst();
        if (kept?.result) {
          paused.open();
          await resumed.opened;
        }
      },
    });
    await paused.opened;
    const second = await t.executor.runDeferred(score, PARENT, { runId: "01SCOREKEPT" });
    resumed.open();
    const firstOut = await first;
    expect(second.status, JSON.stringify(second.error)).toBe("completed");
    expect(second.result).toMatchObject({ status: "scored", scores: VERDICT });
    expect(firstOut.status, JSON.stringify(firstOut.error)).toBe("completed");
    expect(judge.requests).toHaveLength(1);
    expect(retryAfters(second)).toEqual([]);
    const now = rows(t);
    expect(await now.evaluations).toEqual([{ id: "01SCOREKEPT", status: "succeeded", judge_calls: 1 }]);
    expect(await now.judgeLines).toEqual([{ input_tokens: 222 }]);
    expect(await now.scores).toHaveLength(3);
    expect(await now.claims).toEqual([]);
  });

  it("a delivery whose holder died takes over once the lease has ended, and calls the judge once", async () => {
    const judge = await serve(fakeChatServer(() => ({ content: verdict(VERDICT) })));
    tally = await startTally(judgeEnv(judge));
    const t = tally;
    // A claim as a killed instance leaves it: live for 5 more seconds, then stale.
    const claim = { kind: "judge" as const, key: "01SCOREDEAD", run_id: PARENT.runId, owner: "killed-instance", result: null };
    await t.db.insertInto("side_effect_claims").values({ ...claim, lease_until: Date.now() + 5_000 }).execute();
    const out = await t.executor.runDeferred(score, PARENT, {
      runId: "01SCOREDEAD",
      // Inngest waits the 5 s; here the lease is moved into the past instead.
      beforeRequest: async (attempt) => {
        if (attempt === 1) await t.db.updateTable("side_effect_claims").set({ lease_until: Date.now() - 1 }).execute();
      },
    });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    expect(retryAfters(out)).toEqual([5]);
    expect(judge.requests).toHaveLength(1);
    expect(await rows(t).evaluations).toHaveLength(1);
    expect(await rows(t).claims).toEqual([]);
  });
});

describe("a key reused by another run while the first run's judge call is held", () => {
  it("is refused naming both runs; the first run keeps its own verdict, and the refused run's failure records nothing", async () => {
    // The judge rates a text with "GOOD" 5 on every criterion, anything else 1.
    const judge = await serve(fakeChatServer((body) => ({ content: verdict(JSON.stringify(body).includes("GOOD") ? { helpfulness: 5, accuracy: 5, tone: 5 } : { helpfulness: 1, accuracy: 1, tone: 1 }) })));
    tally = await startTally(judgeEnv(judge));
    const t = tally;
    const call = (response: string) => ({ fnSlug: "tally-score-agent-output", input: { response, model: "gpt-4o", idempotencyKey: "shared-key" } });
    const paused = gate();
    const resumed = gate();
    const first = t.executor.runDeferred(call("A GOOD answer."), { ...PARENT, runId: "RUN-A" }, {
      runId: "01SCOREA",
      beforeRequest: async () => {
        if ((await t.db.selectFrom("side_effect_claims").select("result").executeTakeFirst())?.result) {
          paused.open();
          await resumed.opened;
        }
      },
    });
    await paused.opened;
    const event = { name: "inngest/deferred.schedule", id: "evt-01SCOREB", ts: Date.now(), data: { ...call("A terrible answer.").input, _inngest: { fn_slug: "tally-score-agent-output", parent_fn_slug: PARENT.fnSlug, parent_run_id: "RUN-B" } } };
    const second = await t.executor.run("tally-score-agent-output", event, { runId: "01SCOREB" });
    expect(second.status).toBe("failed");
    expect(JSON.stringify(second.error)).toContain('idempotencyKey \\"shared-key\\" is in use for run \\"RUN-A\\", not \\"RUN-B\\"');
    // Inngest then runs the failure handler of the refused run: it leaves the key to RUN-A.
    const failed = { name: "inngest/function.failed", id: "evt-failed-01SCOREB", ts: Date.now(), data: { function_id: "tally-score-agent-output", run_id: "01SCOREB", error: second.error, event } };
    const handler = await t.executor.run("tally-score-agent-output-failure", failed, { runId: "01SCOREBFAIL" });
    expect(handler.result).toMatchObject({ recorded: false, reason: expect.stringContaining('in use for run "RUN-A"') });
    resumed.open();
    expect((await first).result).toMatchObject({ status: "scored", scores: { helpfulness: 5, accuracy: 5, tone: 5 } });
    expect(judge.requests).toHaveLength(1);
    expect(await t.db.selectFrom("evaluations").select(["id", "run_id", "status"]).execute()).toEqual([{ id: "shared-key", run_id: "RUN-A", status: "succeeded" }]);
    expect((await t.db.selectFrom("scores").select(["run_id", "raw_value"]).execute()).map((r) => [r.run_id, r.raw_value])).toEqual([
      ["RUN-A", 5],
      ["RUN-A", 5],
      ["RUN-A", 5],
    ]);
  });
});

describe("overlapping deliveries of one notify run", () => {
  it("post to Slack once", async () => {
    const slowSlack = gate();
    const slack = await serve(fakeSlack(200, {}, () => slowSlack.opened));
    tally = await startTally({ SLACK_WEBHOOK_URL: `${slack.url}/hook` });
    const t = tally;
    const first = t.executor.runDeferred(notify, PARENT, { runId: "01NOTIFYOVERLAP" });
    await expect.poll(() => slack.requests.length).toBe(1);
    const second = await t.executor.runDeferred(notify, PARENT, {
      runId: "01NOTIFYOVERLAP",
      beforeRequest: async (attempt) => {
        if (attempt === 0) return;
        slowSlack.open();
        await first;
      },
    });
    expect((await first).result).toEqual({ inserted: true });
    expect(second.result).toEqual({ inserted: false });
    expect(slack.requests).toHaveLength(1);
    // Slack's 15 s timeout and a 30 s margin.
    const [wait] = retryAfters(second);
    expect(wait).toBeGreaterThan(35);
    expect(wait).toBeLessThanOrEqual(45);
    expect(await t.db.selectFrom("notifications").select(["id", "status"]).execute()).toEqual([{ id: "01NOTIFYOVERLAP", status: "sent" }]);
    expect(await rows(t).claims).toEqual([]);
  });
});
