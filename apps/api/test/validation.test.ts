import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, fakeChatServer, verdict } from "./fake-servers.ts";
import { PARENT, startTally, type Tally } from "./harness.ts";

describe("bad input fails clearly and writes nothing", () => {
  let tally: Tally;
  beforeAll(async () => {
    tally = await startTally({ JUDGE_BASE_URL: "http://127.0.0.1:9/v1", JUDGE_MODEL: "gpt-4o-mini" });
  });
  afterAll(() => tally.close());

  const cases = [
    { fnSlug: "tally-track-ai-costs", input: { model: "gpt-4o", promptTokens: -5 }, fields: ["customerId", "promptTokens"] },
    { fnSlug: "tally-track-ai-costs", input: { model: "gpt-4o", customerId: "acme" }, fields: ["promptTokens"] },
    { fnSlug: "tally-score-agent-output", input: { model: "gpt-4o", ticketId: "T-1" }, fields: ["response"] },
    { fnSlug: "tally-notify-agent-completion", input: { summary: 42 }, fields: ["channel", "summary"] },
  ];
  for (const c of cases) {
    it(`${c.fnSlug} rejects ${JSON.stringify(c.input)} naming ${c.fields.join(", ")}`, async () => {
      const out = await tally.executor.runDeferred(c, PARENT, { runId: `bad-${c.fields.join("-")}` });
      expect(out.status).toBe("failed");
      expect(out.httpStatus).toBe(400);
      expect(out.attempts).toBe(1);
      expect(out.responses[0]?.noRetry).toBe("true");
      const error = out.error as { name: string; message: string };
      expect(error.name).toBe("NonRetriableError");
      for (const f of c.fields) expect(error.message).toContain(f);
    });
  }

  it("unreadable raw usage is a NonRetriableError that says what to send", async () => {
    const call = { fnSlug: "tally-track-ai-costs", input: { model: "gpt-4o", customerId: "acme", usage: { tokens: 5 } } };
    const out = await tally.executor.runDeferred(call, PARENT, { runId: "bad-usage" });
    expect(out.status).toBe("failed");
    expect(JSON.stringify(out.error)).toContain("not openai's usage object");
  });

  it("notify without a webhook is a configuration error", async () => {
    const call = { fnSlug: "tally-notify-agent-completion", input: { channel: "#ai", summary: "done" } };
    const out = await tally.executor.runDeferred(call, PARENT, { runId: "no-hook" });
    expect(out.status).toBe("failed");
    expect(out.httpStatus).toBe(400);
    expect((out.error as { message: string }).message).toContain("SLACK_WEBHOOK_URL is not configured");
  });

  it("nothing was written by any rejected run", async () => {
    expect(await tally.db.selectFrom("runs").select("run_id").execute()).toEqual([]);
  });
});

describe("a judge that answers garbage", () => {
  let judge: FakeServer;
  let tally: Tally;
  const replies: string[] = [];
  beforeAll(async () => {
    judge = await fakeChatServer((_body, i) => ({ content: replies[i] ?? "I think it was fine!", promptTokens: 200, completionTokens: 10 }));
    tally = await startTally({ JUDGE_BASE_URL: `${judge.url}/v1`, JUDGE_MODEL: "gpt-4o-mini", JUDGE_MAX_REPAIRS: "2" });
  });
  afterAll(async () => {
    await tally.close();
    await judge.close();
  });

  it("ends in a recorded, visible evaluation failure after a bounded number of calls", async () => {
    const call = { fnSlug: "tally-score-agent-output", input: { response: "ok", model: "gpt-4o", customerId: "acme" } };
    const out = await tally.executor.runDeferred(call, PARENT, { runId: "garbage-1" });
    expect(out.status).toBe("completed");
    expect(out.attempts).toBe(1);
    expect(out.result).toMatchObject({ status: "failed" });
    expect(judge.requests).toHaveLength(3);
    // Each repair call shows the judge what was wrong.
    expect(JSON.stringify(judge.requests[1]?.body.messages)).toContain("That reply was invalid: not valid JSON");

    const ev = await tally.db.selectFrom("evaluations").selectAll().executeTakeFirstOrThrow();
    expect(ev).toMatchObject({ id: "garbage-1", status: "failed", judge_calls: 3, raw_output: "I think it was fine!" });
    expect(ev.error).toContain("judge verdict invalid after 3 calls");
    expect(await tally.db.selectFrom("scores").select("id").execute()).toEqual([]);
    const judgeCost = await tally.db.selectFrom("usage_costs").selectAll().executeTakeFirstOrThrow();
    expect(judgeCost).toMatchObject({ kind: "judge", input_tokens: 600, output_tokens: 30 });
    const run = await tally.db.selectFrom("rollup_runs_15m").select(["runs", "scored_runs"]).executeTakeFirstOrThrow();
    expect(run).toEqual({ runs: 1, scored_runs: 0 });
  });

  it("repairs a malformed verdict when a later reply is valid", async () => {
    replies.length = 0;
    const offset = judge.requests.length;
    replies.push(
      ...Array(offset).fill(""),
      JSON.stringify({ scores: [{ criterion: "helpfulness", score: 9, rationale: "x" }] }),
      verdict({ helpfulness: 2, accuracy: 3, tone: 5 }),
    );
    const call = { fnSlug: "tally-score-agent-output", input: { response: "ok", model: "gpt-4o" } };
    const out = await tally.executor.runDeferred(call, { ...PARENT, runId: "parent-2" }, { runId: "repair-1" });
    expect(out.result).toMatchObject({ status: "scored", scores: { helpfulness: 2, accuracy: 3, tone: 5 } });
    expect(judge.requests.length - offset).toBe(2);
    const repairPrompt = JSON.stringify(judge.requests[offset + 1]?.body.messages);
    expect(repairPrompt).toContain('give exactly one score for \\"accuracy\\"');
    const ev = await tally.db.selectFrom("evaluations").selectAll().where("id", "=", "repair-1").executeTakeFirstOrThrow();
    expect(ev).toMatchObject({ status: "succeeded", judge_calls: 2, error: null });
  });
});

describe("a judge endpoint that reports absurd usage", () => {
  let judge: FakeServer;
  let tally: Tally;
  beforeAll(async () => {
    judge = await fakeChatServer(() => ({ content: verdict({ helpfulness: 4, accuracy: 4, tone: 4 }), promptTokens: 1e300, completionTokens: 10 }));
    tally = await startTally({ JUDGE_BASE_URL: `${judge.url}/v1`, JUDGE_MODEL: "gpt-4o-mini" });
  });
  afterAll(async () => {
    await tally.close();
    await judge.close();
  });

  it("fails without retry, naming the count, and records no cost", async () => {
    const call = { fnSlug: "tally-score-agent-output", input: { response: "ok", model: "gpt-4o", customerId: "acme" } };
    const out = await tally.executor.runDeferred(call, PARENT, { runId: "absurd-judge-usage" });
    expect(out.status).toBe("failed");
    expect(out.attempts).toBe(1);
    expect(judge.requests).toHaveLength(1);
    expect(JSON.stringify(out.error)).toContain("input_tokens");
    expect(await tally.db.selectFrom("usage_costs").select("id").execute()).toEqual([]);
    expect(await tally.db.selectFrom("scores").select("id").execute()).toEqual([]);
  });
});
