import { afterEach, describe, expect, it } from "vitest";
import { type FakeServer, fakeChatServer, fakeSlack, verdict } from "./fake-servers.ts";
import { PARENT, startTally, type Tally } from "./harness.ts";
import { judgeEnv } from "./judge-runs.ts";

// Third parties that ask for patience, and deliveries that come twice, through the real serve() handler:
// a 429's Retry-After reaches Inngest as the step's retry delay; a repeated notify posts nothing again; a
// judge whose repair call fails after a billed malformed reply costs that reply.
let tally: Tally | undefined;
const servers: FakeServer[] = [];
afterEach(async () => {
  await tally?.close();
  for (const s of servers.splice(0)) await s.close();
});
const serve = async (s: Promise<FakeServer>) => {
  const server = await s;
  servers.push(server);
  return server;
};
const notify = { fnSlug: "tally-notify-agent-completion", input: { summary: "Answered T-7", channel: "#support-ai" } };
const score = { fnSlug: "tally-score-agent-output", input: { response: "Done.", model: "gpt-4o", customerId: "acme" } };

describe("Retry-After", () => {
  it("Slack's 429 with Retry-After: 120 makes the step's retry wait 120 s, then it is sent once", async () => {
    const slack = await serve(fakeSlack([429], { "retry-after": "120" }));
    tally = await startTally({ SLACK_WEBHOOK_URL: `${slack.url}/hook` });
    const out = await tally.executor.runDeferred(notify, PARENT, { runId: "01NOTIFY429" });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    // The failed attempt's answer carries the wait (in seconds, as Inngest reads it); no later answer does.
    expect(out.responses.map((r) => r.retryAfter)).toEqual(["120", null, null, null]);
    expect(slack.requests).toHaveLength(2);
  });

  it("the judge's 429 with Retry-After: 30 likewise; without the header, no delay is asked for", async () => {
    const judge = await serve(
      fakeChatServer((_body, i) =>
        i === 0 ? { status: 429, body: { error: "slow down" }, headers: { "retry-after": "30" } } : i === 1 ? { status: 503, body: { error: "busy" } } : { content: verdict({ helpfulness: 4, accuracy: 4, tone: 4 }) },
      ),
    );
    tally = await startTally(judgeEnv(judge));
    const out = await tally.executor.runDeferred(score, PARENT, { runId: "01SCORE429" });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    expect(judge.requests).toHaveLength(3);
    const errors = out.responses.filter((r) => JSON.stringify(r.body).includes("StepError"));
    expect(errors.map((r) => r.retryAfter)).toEqual(["30", null]);
  });
});

describe("repeated deliveries", () => {
  it("a notify delivered again after it was sent posts nothing more", async () => {
    const slack = await serve(fakeSlack());
    tally = await startTally({ SLACK_WEBHOOK_URL: `${slack.url}/hook` });
    const results = [];
    for (let i = 0; i < 2; i++) results.push((await tally.executor.runDeferred(notify, PARENT, { runId: "01NOTIFYTWICE" })).result);
    expect(slack.requests).toHaveLength(1);
    expect(results).toEqual([{ inserted: true }, { inserted: false }]);
    expect(await tally.db.selectFrom("notifications").select(["id", "status"]).execute()).toEqual([{ id: "01NOTIFYTWICE", status: "sent" }]);
  });
});

describe("a judge whose repair call fails", () => {
  it("ends the evaluation as failed with the billed malformed reply costed, not retried", async () => {
    const judge = await serve(fakeChatServer((_body, i) => (i === 0 ? { content: "not json", promptTokens: 1234, completionTokens: 56 } : { status: 500, body: { error: "down" } })));
    tally = await startTally(judgeEnv(judge));
    const out = await tally.executor.runDeferred(score, PARENT, { runId: "01SCOREREPAIR" });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    expect(out.result).toMatchObject({ status: "failed", error: expect.stringMatching(/^judge verdict invalid \(not valid JSON .*\), then the repair call failed: chat completion \S+ answered 500/) });
    expect(judge.requests).toHaveLength(2);
    const evaluation = await tally.db.selectFrom("evaluations").select(["status", "judge_calls"]).executeTakeFirstOrThrow();
    expect(evaluation).toEqual({ status: "failed", judge_calls: 1 });
    const line = await tally.db.selectFrom("usage_costs").select(["kind", "input_tokens", "output_tokens"]).executeTakeFirstOrThrow();
    expect(line).toEqual({ kind: "judge", input_tokens: 1234, output_tokens: 56 });
  });
});
