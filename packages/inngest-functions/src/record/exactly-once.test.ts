import { connect } from "@tally/shared/db";
import { connectTestDatabase, testDatabaseUrl, testEngine } from "@tally/shared/db/testing";
import { describe, expect, it } from "vitest";
import { expectRollupsEqualRawRows } from "../testing/expect-rollups.ts";
import { recordEvaluation } from "./evaluation.ts";
import { recordNotification } from "./notification.ts";
import type { RunRef } from "./run.ts";
import { recordUsage } from "./usage.ts";

// Exactly once under concurrent duplicate deliveries: Inngest may run a step twice at the same time (a retry
// racing the first attempt, two API instances). The copies below go through two handles on one database, as two
// instances would: each handle commits its copies together (group commit, tx.ts), one after the other under
// savepoints, and the two handles' transactions take the writer lock first (connect.ts: BEGIN IMMEDIATE, the
// PostgreSQL advisory lock), so every later copy sees the first one's committed row and answers "already
// recorded" instead of failing on the unique key or counting twice.
describe("recording under concurrent duplicate deliveries", () => {
  it(`each fact counts once, no delivery fails, the rollups equal the raw rows (${testEngine()})`, async () => {
    const url = await testDatabaseUrl();
    const db = await connect({ url });
    const other = await connect({ url });
    try {
      const at = Date.UTC(2026, 5, 1, 12, 7);
      const run: RunRef = { runId: "run-1", functionSlug: "support", model: "gpt-4o", customerId: "acme", tags: { plan: "pro" }, occurredAt: at, now: at };
      const usage = { input_tokens: 1200, output_tokens: 80, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
      const copies = 6;
      const deliveries = Array.from({ length: copies }, (_, copy) => (copy % 2 === 0 ? db : other)).flatMap((db) => [
        recordUsage(db, run, { key: "run-1-cost", deferredRunId: "d-cost", kind: "agent", model: "gpt-4o", usage }),
        recordEvaluation(db, { ...run, customerId: undefined }, {
          key: "run-1-score",
          deferredRunId: "d-score",
          model: "gpt-4o",
          judgeModel: "gpt-4o-mini",
          rubricVersion: "v1",
          judgeCalls: 1,
          judgeUsage: { ...usage, input_tokens: 300 },
          outcome: { ok: true, scores: [{ name: "helpfulness", rawValue: 4, scaleMin: 1, scaleMax: 5, rationale: "r" }] },
        }),
        recordNotification(db, run, { key: "run-1-notify", deferredRunId: "d-notify", channel: "#ai", httpStatus: 200 }),
      ]);
      const answers = await Promise.all(deliveries);
      const inserted = answers.filter((a) => a.inserted).length;
      expect(inserted).toBe(3); // one usage line, one evaluation, one notification
      expect(await db.selectFrom("usage_costs").select(["id", "kind"]).orderBy("id").execute()).toEqual([
        { id: "run-1-cost:agent", kind: "agent" },
        { id: "run-1-score:judge", kind: "judge" },
      ]);
      expect((await db.selectFrom("scores").select("name").execute()).length).toBe(1);
      expect((await db.selectFrom("notifications").select("id").execute()).length).toBe(1);
      await expectRollupsEqualRawRows(db);
      const base = await db.selectFrom("rollup_runs_15m").select(["runs", "judge_priced_calls"]).execute();
      expect(base).toEqual([{ runs: 1, judge_priced_calls: 1 }]);
    } finally {
      await other.destroy();
      await db.destroy();
    }
  });

  it("a judge's text holding U+0000 is stored with U+FFFD (PostgreSQL's text cannot hold NUL: the write would fail on every retry)", async () => {
    const db = await connectTestDatabase();
    try {
      const run: RunRef = { runId: "run-nul", functionSlug: "support", occurredAt: Date.UTC(2026, 5, 1), now: Date.UTC(2026, 5, 1) };
      const base = { deferredRunId: "d", model: "gpt-4o", judgeModel: "gpt-4o-mini", rubricVersion: "v1", judgeCalls: 0, judgeUsage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 } };
      await recordEvaluation(db, run, { ...base, key: "ok", outcome: { ok: true, scores: [{ name: "tone", rawValue: 3, scaleMin: 1, scaleMax: 5, rationale: "a\u0000b" }] } });
      await recordEvaluation(db, run, { ...base, key: "bad", outcome: { ok: false, error: "e\u0000", rawOutput: "\u0000{" } });
      expect(await db.selectFrom("scores").select("rationale").execute()).toEqual([{ rationale: "a\uFFFDb" }]);
      expect(await db.selectFrom("evaluations").select(["error", "raw_output"]).where("id", "=", "bad").execute()).toEqual([{ error: "e\uFFFD", raw_output: "\uFFFD{" }]);
    } finally {
      await db.destroy();
    }
  });
});
