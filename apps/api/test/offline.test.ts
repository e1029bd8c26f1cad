import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createServer } from "node:net";
import { SIMULATED_JUDGE, SIMULATED_MODEL } from "@tally/inngest-functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTally, type Tally } from "./harness.ts";

// With no API keys in dev mode, the example agent and the judge run offline, under names that say so.
describe("the live demo flow without API keys", { timeout: 30_000 }, () => {
  let tally: Tally;
  beforeAll(async () => {
    tally = await startTally();
  });
  afterAll(() => tally.close());

  it("answers, scores and prices a ticket offline; notify is skipped without a webhook", async () => {
    const event = { name: "support/ticket.created", id: "e-1", ts: Date.now(), data: { ticketId: "T-9", customerId: "demo-globex", subject: "Help" } };
    const parent = await tally.executor.run("handle-support-ticket", event, { runId: "offline-parent" });
    expect(parent.result).toMatchObject({ model: SIMULATED_MODEL });
    expect(parent.deferred.map((d) => d.fnSlug)).toEqual(["tally-score-agent-output", "tally-track-ai-costs"]);
    for (const [i, call] of parent.deferred.entries()) {
      const out = await tally.executor.runDeferred(call, { fnSlug: "tally-handle-support-ticket", runId: "offline-parent" }, { runId: `offline-${i}` });
      expect(out.status).toBe("completed");
    }
    const scores = await tally.db.selectFrom("scores").select(["judge_model", "raw_value"]).execute();
    expect(scores).toHaveLength(3);
    for (const s of scores) {
      expect(s.judge_model).toBe(SIMULATED_JUDGE);
      expect(s.raw_value).toBeGreaterThanOrEqual(2);
    }
    const agent = await tally.db.selectFrom("usage_costs").selectAll().where("kind", "=", "agent").executeTakeFirstOrThrow();
    expect(agent).toMatchObject({ model: SIMULATED_MODEL, cost_micros: null, price_source: "unpriced" });
  });
});

describe("npm run demo:agent", () => {
  // npx tsx starts a Node process: seconds on a busy machine.
  it("says in one line that no Dev Server is reachable and exits non-zero", { timeout: 60_000 }, async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const run = promisify(execFile)("npx", ["tsx", "src/demo/agent.ts", "--count", "1"], {
      env: { ...process.env, INNGEST_BASE_URL: `http://127.0.0.1:${port}` },
    });
    const err = await run.then(() => null, (e: { code: number; stderr: string }) => e);
    expect(err?.code).toBe(1);
    const lines = err!.stderr.split("\n").filter((l) => l.trim() && !l.includes("npm warn"));
    expect(lines).toEqual([expect.stringContaining(`No Inngest Dev Server at http://127.0.0.1:${port}`)]);
  });
});
