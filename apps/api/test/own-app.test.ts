import { createServer, type Server } from "node:http";
import { Inngest } from "inngest";
import { serve } from "inngest/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFunctions, type Deps } from "@tally/inngest-functions";
import { connect, type Db } from "@tally/shared/db";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { Executor } from "./executor.ts";

// README "Wire defer() from your own Inngest app", as a user's app does it: its own client id ("my-app"), its own
// agent, Tally's deferred functions built on that client and served beside the agent by the SDK's node adapter,
// on Tally's database. defer() names its target after the calling app, so these are the functions it reaches;
// the SDK skips a defer id used twice in a run and a payload its schema refuses (both as README says).
const inngest = new Inngest({ id: "my-app", isDev: true });
let db: Db;
let server: Server;
let executor: Executor;

beforeAll(async () => {
  db = await connect({ url: await testDatabaseUrl() });
  const deps: Deps = { db, judge: "simulated", slack: { webhookUrl: null }, agent: null };
  const tally = createFunctions(inngest, deps);
  const agent = inngest.createFunction({ id: "my-agent", triggers: [{ event: "chat/message" }] }, async ({ event, step, defer }) => {
    const reply = await step.run("answer", () => ({ text: `Refund sent for ${event.data.ticket}.` }));
    // One id per defer() call: two model calls, two lines.
    defer("track-costs-1", { function: tally.costs, data: { model: "gpt-4o", promptTokens: 1000, completionTokens: 100, customerId: "acme" } });
    defer("track-costs-2", { function: tally.costs, data: { model: "gpt-4o-mini", promptTokens: 2000, completionTokens: 0, customerId: "acme" } });
    // Skipped by the SDK, in this app: an id already used in the run, and data the schema refuses.
    defer("track-costs-2", { function: tally.costs, data: { model: "gpt-4o", promptTokens: 9, completionTokens: 9, customerId: "acme" } });
    defer("track-costs-bad", { function: tally.costs, data: { model: "gpt-4o", promptTokens: 12.5, completionTokens: 0, customerId: "acme" } });
    defer("score", { function: tally.score, data: { response: reply.text, model: "gpt-4o", customerId: "acme" } });
    return reply.text;
  });
  server = createServer(serve({ client: inngest, functions: [agent, ...tally.deferred] }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  executor = new Executor(`http://127.0.0.1:${(server.address() as { port: number }).port}/api/inngest`, "my-app");
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await db.destroy();
});

describe("Tally's deferred functions served by your own app", () => {
  it("record your agent's calls on Tally's database, linked to your run", async () => {
    const parent = await executor.run("my-agent", { name: "chat/message", id: "evt-chat-1", ts: Date.now(), data: { ticket: "T-1" } }, { runId: "01MYAPPRUN" });
    expect(parent.status, JSON.stringify(parent.error)).toBe("completed");
    // The targets are named after the calling app; the duplicate id and the refused payload never left it.
    expect(parent.deferred.map((d) => d.fnSlug)).toEqual(["my-app-track-ai-costs", "my-app-track-ai-costs", "my-app-score-agent-output"]);
    for (const [i, call] of parent.deferred.entries()) {
      const out = await executor.runDeferred(call, { fnSlug: "my-app-my-agent", runId: "01MYAPPRUN" }, { runId: `01MYAPPDEFERRED${i}` });
      expect(out.status, JSON.stringify(out.error)).toBe("completed");
    }
    const lines = await db.selectFrom("usage_costs").select(["kind", "model", "cost_micros", "customer_id"]).orderBy("id").execute();
    // gpt-4o at $2.50 / $10 per Mtok: 1000 in + 100 out = 3,500 µ$; gpt-4o-mini at $0.15 in: 2000 in = 300 µ$.
    expect(lines.filter((l) => l.kind === "agent").map((l) => [l.model, Number(l.cost_micros), l.customer_id])).toEqual([
      ["gpt-4o", 3_500, "acme"],
      ["gpt-4o-mini", 300, "acme"],
    ]);
    const run = await db.selectFrom("runs").select(["run_id", "function_slug", "customer_id"]).executeTakeFirstOrThrow();
    expect(run).toEqual({ run_id: "01MYAPPRUN", function_slug: "my-app-my-agent", customer_id: "acme" });
    expect(await db.selectFrom("evaluations").select(["status"]).execute()).toEqual([{ status: "succeeded" }]);
  });
});
