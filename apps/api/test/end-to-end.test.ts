import { calcPrice } from "@pydantic/genai-prices";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, fakeChatServer, fakeSlack, verdict } from "./fake-servers.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { micros } from "./micros.ts";

// parent → DeferAdd → each deferred function, through the real serve() handler and a real SQLite file.
describe("handle-support-ticket defers score, costs and notify", () => {
  let llm: FakeServer;
  let slack: FakeServer;
  let tally: Tally;
  const parentRunId = "01HPARENT0000000000000000A";
  const ticket = { ticketId: "T-42", customerId: "acme", subject: "Refund please", body: "Order 991 arrived broken." };

  beforeAll(async () => {
    llm = await fakeChatServer((body) =>
      body.response_format
        ? { content: verdict({ helpfulness: 4, accuracy: 5, tone: 3 }), promptTokens: 400, completionTokens: 60 }
        : { content: "Sorry about that! A refund is on its way.", promptTokens: 1200, completionTokens: 80, cachedTokens: 1000 },
    );
    slack = await fakeSlack();
    tally = await startTally({
      OPENAI_BASE_URL: `${llm.url}/v1`,
      OPENAI_API_KEY: "sk-agent",
      AGENT_MODEL: "gpt-4o",
      JUDGE_BASE_URL: `${llm.url}/v1`,
      JUDGE_API_KEY: "sk-judge",
      JUDGE_MODEL: "gpt-4o-mini",
      SLACK_WEBHOOK_URL: `${slack.url}/hook`,
      TALLY_TIME_ZONES: "Pacific/Honolulu",
    });
  });
  afterAll(async () => {
    await tally.close();
    await llm.close();
    await slack.close();
  });

  it("serves seven functions (four, the failure handlers of score and notify, and the alerts cron)", async () => {
    const res = await fetch(`${tally.base}/api/inngest`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ function_count: 7, mode: "dev" });
  });

  it("records scores, costs and the notification, each linked to the parent run", async () => {
    const event = { name: "support/ticket.created", id: "evt-1", ts: Date.UTC(2026, 10, 1, 9, 7), data: ticket };
    const parent = await tally.executor.run("handle-support-ticket", event, { runId: parentRunId });
    expect(parent.status).toBe("completed");
    expect(parent.deferred.map((d) => d.fnSlug)).toEqual([
      "tally-score-agent-output",
      "tally-track-ai-costs",
      "tally-notify-agent-completion",
    ]);
    const link = { fnSlug: "tally-handle-support-ticket", runId: parentRunId };
    for (const [i, call] of parent.deferred.entries()) {
      const out = await tally.executor.runDeferred(call, link, { runId: `01HDEFERRED${i}`, ts: event.ts + 5_000 });
      expect(out.status, JSON.stringify(out.error)).toBe("completed");
    }

    const run = await tally.db.selectFrom("runs").selectAll().executeTakeFirstOrThrow();
    expect(run).toMatchObject({
      run_id: parentRunId,
      function_slug: "tally-handle-support-ticket",
      model: "gpt-4o",
      customer_id: "acme",
      ticket_id: "T-42",
      occurred_at: event.ts + 5_000,
    });
    expect(run.scored_at).not.toBeNull();

    const scores = await tally.db.selectFrom("scores").selectAll().orderBy("name").execute();
    expect(scores.map((s) => [s.name, s.raw_value, s.value])).toEqual([
      ["accuracy", 5, 1],
      ["helpfulness", 4, 0.75],
      ["tone", 3, 0.5],
    ]);
    for (const s of scores) {
      expect(s).toMatchObject({ run_id: parentRunId, deferred_run_id: "01HDEFERRED0", model: "gpt-4o", judge_model: "gpt-4o-mini" });
      expect(s.id).toBe(`01HDEFERRED0:${s.name}`);
      expect(s.rubric_version).toMatch(/^judge-v1\.[0-9a-f]{8}$/);
      expect(s.rationale).toBe(`${s.name} is ${s.raw_value}/5`);
    }

    const costs = await tally.db.selectFrom("usage_costs").selectAll().orderBy("kind").execute();
    expect(costs.map((c) => [c.kind, c.model, c.deferred_run_id, c.run_id, c.customer_id])).toEqual([
      ["agent", "gpt-4o", "01HDEFERRED1", parentRunId, "acme"],
      ["judge", "gpt-4o-mini", "01HDEFERRED0", parentRunId, "acme"],
    ]);
    const at = new Date(event.ts + 5_000);
    const agentPrice = calcPrice({ input_tokens: 1200, output_tokens: 80, cache_read_tokens: 1000 }, "gpt-4o", { timestamp: at });
    const judgePrice = calcPrice({ input_tokens: 400, output_tokens: 60 }, "gpt-4o-mini", { timestamp: at });
    expect(costs[0]?.cost_micros).toBe(micros(agentPrice!.total_price));
    expect(costs[0]).toMatchObject({ input_tokens: 1200, output_tokens: 80, cache_read_tokens: 1000 });
    expect(costs[1]?.cost_micros).toBe(micros(judgePrice!.total_price));

    const notes = await tally.db.selectFrom("notifications").selectAll().execute();
    expect(notes).toEqual([
      expect.objectContaining({ run_id: parentRunId, deferred_run_id: "01HDEFERRED2", channel: "#support-ai", http_status: 200 }),
    ]);
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]?.body.text).toBe("Answered T-42: Refund please");
    expect(JSON.stringify(slack.requests[0]?.body.blocks)).toContain(parentRunId);

    // The judge got the bearer key, JSON mode and the ticket; the agent got its own key.
    const judgeReq = llm.requests.find((r) => r.body.response_format);
    expect(judgeReq?.headers.authorization).toBe("Bearer sk-judge");
    expect(judgeReq?.body.model).toBe("gpt-4o-mini");
    expect(JSON.stringify(judgeReq?.body.messages)).toContain("Order 991 arrived broken.");
    expect(llm.requests.find((r) => !r.body.response_format)?.headers.authorization).toBe("Bearer sk-agent");
  });

  it("keeps the rollups equal to the raw rows", async () => {
    const runs = await tally.db.selectFrom("rollup_runs_15m").selectAll().execute();
    // The judge's spend also counts on the judged run's row (migration 0009), priced as its usage line.
    const judgeLine = await tally.db.selectFrom("usage_costs").select("cost_micros").where("kind", "=", "judge").executeTakeFirstOrThrow();
    expect(runs).toEqual([
      {
        bucket: Date.UTC(2026, 10, 1, 9, 0),
        model: "gpt-4o",
        customer_id: "acme",
        function_slug: "tally-handle-support-ticket",
        runs: 1,
        scored_runs: 1,
        unsampled_runs: 0,
        judge_skipped_runs: 0,
        judge_cost_micros: judgeLine.cost_micros,
        judge_priced_calls: 1,
        judge_unpriced_calls: 0,
        // Its agent line (gpt-4o) has a price: a priced run (0025).
        priced_runs: 1,
      },
    ]);
    const scores = await tally.db.selectFrom("rollup_scores_15m").select(["name", "n", "sum_value", "customer_id"]).orderBy("name").execute();
    expect(scores).toEqual([
      { name: "accuracy", n: 1, sum_value: 1, customer_id: "acme" },
      { name: "helpfulness", n: 1, sum_value: 0.75, customer_id: "acme" },
      { name: "tone", n: 1, sum_value: 0.5, customer_id: "acme" },
    ]);
    const raw = await tally.db.selectFrom("usage_costs").select(["kind", "cost_micros", "input_tokens"]).orderBy("kind").execute();
    const usage = await tally.db.selectFrom("rollup_usage_15m").select(["kind", "cost_micros", "input_tokens", "calls", "unpriced_calls"]).orderBy("kind").execute();
    expect(usage).toEqual(raw.map((r) => ({ ...r, calls: 1, unpriced_calls: 0 })));
  });

  it("keeps a local calendar per TALLY_TIME_ZONES zone, written by the deferred runs, and answers by local day", async () => {
    const calendars = await tally.db.selectFrom("rollup_calendars").select(["id", "time_zone", "unit"]).orderBy("unit").execute();
    expect(calendars.map((c) => [c.time_zone, c.unit])).toEqual([["Pacific/Honolulu", "day"], ["Pacific/Honolulu", "week"]]);
    const status = await fetch(`${tally.base}/api/trpc/system.status`, { headers: AUTH });
    expect(((await status.json()) as { result: { data: unknown } }).result.data).toMatchObject({ teamZones: ["Pacific/Honolulu"] });
    // 09:07 UTC on 1 November is 23:07 on Saturday 31 October in Honolulu; its week starts Monday 26 October.
    const DAY = 86_400_000;
    const rows = await tally.db.selectFrom("rollup_scores_model_local").select(["calendar", "bucket", "model", "name", "n"]).orderBy(["calendar", "name"]).execute();
    expect(rows).toEqual(
      calendars.flatMap((c) =>
        ["accuracy", "helpfulness", "tone"].map((name) => ({ calendar: c.id, bucket: Date.UTC(2026, 9, c.unit === "day" ? 31 : 26) / DAY, model: "gpt-4o", name, n: 1 })),
      ),
    );
    const input = { from: Date.UTC(2026, 9, 30, 10), to: Date.UTC(2026, 10, 2, 10), timeZone: "Pacific/Honolulu", bucket: "day" };
    const res = await fetch(`${tally.base}/api/trpc/quality.trend?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
    const trend = ((await res.json()) as { result: { data: unknown } }).result.data as { series: { model: string; name: string; points: { n: number; mean: number | null }[] }[] };
    expect(trend.series.find((s) => s.model === "gpt-4o" && s.name === "helpfulness")?.points).toEqual([
      { mean: null, n: 0, ciLow: null, ciHigh: null },
      { mean: 0.75, n: 1, ciLow: null, ciHigh: null },
      { mean: null, n: 0, ciLow: null, ciHigh: null },
    ]);
  });
});
