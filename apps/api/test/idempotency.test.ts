import { sql } from "kysely";
import { isPostgres } from "@tally/shared/db";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeServer, fakeChatServer, verdict } from "./fake-servers.ts";
import { PARENT, startTally, type Tally } from "./harness.ts";

/**
 * A real database failure: every insert into `table` aborts with `message` while `when` (a scalar SQL
 * condition) holds. SQLite's RAISE(ABORT) in a trigger; PostgreSQL's RAISE EXCEPTION in a trigger function.
 */
async function failInserts(db: Tally["db"], name: string, table: string, message: string, when = "true"): Promise<void> {
  if (isPostgres(db)) {
    await sql.raw(`create function ${name}() returns trigger language plpgsql as $$ begin
      if ${when} then raise exception '${message}'; end if; return new; end $$`).execute(db);
    await sql.raw(`create trigger ${name} before insert on ${table} for each row execute function ${name}()`).execute(db);
    return;
  }
  await sql.raw(`create trigger ${name} before insert on ${table} when ${when} begin select raise(abort, '${message}'); end`).execute(db);
}

// Inngest delivers at least once: a retried or duplicated run must never add a row or count twice.
describe("at-least-once delivery", () => {
  let tally: Tally;
  let judge: FakeServer;
  beforeEach(async () => {
    judge = await fakeChatServer(() => ({ content: verdict({ helpfulness: 5, accuracy: 4, tone: 4 }), promptTokens: 300, completionTokens: 40 }));
    tally = await startTally({ JUDGE_BASE_URL: `${judge.url}/v1`, JUDGE_MODEL: "gpt-4o-mini" });
  });
  afterEach(async () => {
    await tally.close();
    await judge.close();
  });

  const costs = { fnSlug: "tally-track-ai-costs", input: { model: "gpt-4o", promptTokens: 1000, completionTokens: 200, customerId: "acme" } };
  const score = { fnSlug: "tally-score-agent-output", input: { response: "Done.", model: "gpt-4o", ticketId: "T-1" } };

  async function counts() {
    const one = async (q: Promise<{ n: number | string | bigint }>) => Number((await q).n);
    const db = tally.db;
    return {
      usage: await one(db.selectFrom("usage_costs").select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()),
      scores: await one(db.selectFrom("scores").select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()),
      runs: await one(db.selectFrom("rollup_runs_15m").select((e) => e.fn.sum<number>("runs").as("n")).executeTakeFirstOrThrow()),
      scoredRuns: await one(db.selectFrom("rollup_runs_15m").select((e) => e.fn.sum<number>("scored_runs").as("n")).executeTakeFirstOrThrow()),
      calls: await one(db.selectFrom("rollup_usage_15m").select((e) => e.fn.sum<number>("calls").as("n")).executeTakeFirstOrThrow()),
      cost: await one(db.selectFrom("rollup_usage_15m").select((e) => e.fn.sum<number>("cost_micros").as("n")).executeTakeFirstOrThrow()),
      scoreN: await one(db.selectFrom("rollup_scores_15m").select((e) => e.fn.sum<number>("n").as("n")).executeTakeFirstOrThrow()),
    };
  }

  it("a duplicated delivery of the same runs changes nothing", async () => {
    for (const call of [costs, score]) {
      const out = await tally.executor.runDeferred(call, PARENT, { runId: `dup-${call.fnSlug}` });
      expect(out.status).toBe("completed");
    }
    const first = await counts();
    expect(first).toMatchObject({ usage: 2, scores: 3, runs: 1, scoredRuns: 1, calls: 2, scoreN: 3 });
    expect(first.cost).toBeGreaterThan(0);
    // The same runs delivered again from scratch: every step, the writes included, executes again.
    for (const call of [costs, score]) {
      const again = await tally.executor.runDeferred(call, PARENT, { runId: `dup-${call.fnSlug}` });
      expect(again.status).toBe("completed");
    }
    expect(await counts()).toEqual(first);
    // The judge is not paid twice: the repeated score run finds its evaluation recorded before calling it.
    expect(judge.requests).toHaveLength(1);
  });

  it("a write step that fails rolls back whole and its retry counts once", async () => {
    // A real database failure in the middle of the write transaction: the rollup insert aborts after the
    // run and the raw usage row were written in the same transaction.
    await sql`CREATE TABLE fail_switch (on_ INTEGER NOT NULL)`.execute(tally.db);
    await sql`INSERT INTO fail_switch VALUES (1)`.execute(tally.db);
    await failInserts(tally.db, "fail_rollup", "rollup_usage_15m", "disk on fire", "(select on_ from fail_switch) = 1");

    const seen: number[] = [];
    const out = await tally.executor.runDeferred(costs, PARENT, {
      runId: "retry-costs",
      beforeRequest: async (attempt) => {
        seen.push(attempt);
        if (attempt === 1) await sql`UPDATE fail_switch SET on_ = 0`.execute(tally.db);
      },
    });
    expect(out.status).toBe("completed");
    expect(out.attempts).toBe(2);
    const failed = out.responses[0]!;
    expect(failed.status).toBe(206);
    expect(JSON.stringify(failed.body)).toContain("disk on fire");
    expect((failed.body as { op: string }[])[0]?.op).toBe("StepError");
    expect([...new Set(seen)]).toEqual([0, 1]);
    expect(await counts()).toMatchObject({ usage: 1, runs: 1, calls: 1, scoreN: 0 });
  });

  it("a failed attempt leaves nothing behind", async () => {
    await failInserts(tally.db, "fail_always", "rollup_usage_15m", "still on fire");
    const out = await tally.executor.runDeferred(costs, PARENT, { runId: "doomed", maxAttempts: 2 });
    expect(out.status).toBe("failed");
    expect(out.attempts).toBe(2);
    const rows = await tally.db.selectFrom("runs").select("run_id").execute();
    expect(rows).toEqual([]);
    expect(await counts()).toMatchObject({ usage: 0, runs: 0, calls: 0 });
  });

  it("a customer learned later moves the run's counts, scores and judge cost to that customer", async () => {
    await tally.executor.runDeferred(score, PARENT, { runId: "s-1", ts: Date.UTC(2026, 0, 5, 10) });
    const before = await tally.db.selectFrom("rollup_runs_15m").select(["customer_id", "runs", "scored_runs"]).execute();
    expect(before).toEqual([{ customer_id: "", runs: 1, scored_runs: 1 }]);
    await tally.executor.runDeferred(costs, PARENT, { runId: "c-1", ts: Date.UTC(2026, 0, 5, 10) });

    expect(await tally.db.selectFrom("rollup_runs_15m").select(["customer_id", "runs", "scored_runs"]).execute()).toEqual([
      { customer_id: "acme", runs: 1, scored_runs: 1 },
    ]);
    const scores = await tally.db.selectFrom("rollup_scores_15m").select(["customer_id", "n"]).execute();
    expect(scores).toHaveLength(3);
    expect(scores.every((s) => s.customer_id === "acme" && Number(s.n) === 1)).toBe(true);
    const usage = await tally.db.selectFrom("rollup_usage_15m").select(["kind", "customer_id", "calls"]).orderBy("kind").execute();
    expect(usage).toEqual([
      { kind: "agent", customer_id: "acme", calls: 1 },
      { kind: "judge", customer_id: "acme", calls: 1 },
    ]);
    const lines = await tally.db.selectFrom("usage_costs").select("customer_id").execute();
    expect(lines.map((l) => l.customer_id)).toEqual(["acme", "acme"]);
  });

  it("a score's idempotencyKey reused under another parent run is refused by name; that run is not created and the judge not called again", async () => {
    const keyed = { ...score, input: { ...score.input, idempotencyKey: "review-7" } };
    expect((await tally.executor.runDeferred(keyed, PARENT, { runId: "score-a" })).status).toBe("completed");
    const stored = await counts();
    const calls = judge.requests.length;
    const other = "01PARENTRUN0000000000000009";
    const out = await tally.executor.runDeferred(keyed, { ...PARENT, runId: other }, { runId: "score-b" });
    expect(out.status).toBe("failed");
    expect(out.attempts).toBe(1);
    expect((out.error as { message?: string } | null)?.message).toContain(`idempotencyKey "review-7" was already used for the evaluation of run "${PARENT.runId}", not "${other}"`);
    expect(judge.requests.length).toBe(calls);
    expect(await counts()).toEqual(stored);
    expect(await tally.db.selectFrom("runs").select("run_id").execute()).toEqual([{ run_id: PARENT.runId }]);
  });

  it("an idempotencyKey reused with different content is refused, naming what differs; the same content is a redelivery", async () => {
    const line = (customerId: string, promptTokens: number) => ({
      fnSlug: "tally-track-ai-costs",
      input: { model: "gpt-4o", promptTokens, completionTokens: 0, customerId, idempotencyKey: "order-1" },
    });
    const first = await tally.executor.runDeferred(line("tenantA", 1000), PARENT, { runId: "order-a" });
    expect(first.status).toBe("completed");
    const stored = await counts();
    // By hand: 1,000 input tokens at gpt-4o's $2.50 per million.
    expect(stored).toMatchObject({ usage: 1, calls: 1, cost: 2_500 });

    const other = await tally.executor.runDeferred(line("tenantB", 5000), { ...PARENT, runId: "01PARENTRUN0000000000000002" }, { runId: "order-b" });
    expect(other.status).toBe("failed");
    expect(other.attempts).toBe(1);
    const message = (other.error as { message?: string } | null)?.message ?? "";
    for (const text of ["idempotencyKey", "order-1", 'customerId "tenantA" → "tenantB"', "promptTokens 1000 → 5000"]) expect(message).toContain(text);
    expect(await counts()).toEqual(stored);
    expect(await tally.db.selectFrom("runs").select("run_id").execute()).toEqual([{ run_id: PARENT.runId }]);
    const rows = await tally.db.selectFrom("usage_costs").select(["customer_id", "input_tokens"]).execute();
    expect(rows).toEqual([{ customer_id: "tenantA", input_tokens: 1000 }]);

    // Only the model differs: refused too.
    const model = await tally.executor.runDeferred({ ...line("tenantA", 1000), input: { ...line("tenantA", 1000).input, model: "gpt-4o-mini" } }, PARENT, { runId: "order-c" });
    expect(model.status).toBe("failed");
    expect((model.error as { message?: string } | null)?.message).toContain('model "gpt-4o" → "gpt-4o-mini"');

    // The same fact delivered by another deferred run: answered with the stored line, nothing added.
    const again = await tally.executor.runDeferred(line("tenantA", 1000), PARENT, { runId: "order-d" });
    expect(again.status).toBe("completed");
    expect(again.result).toMatchObject({ inserted: false, costMicros: 2_500 });
    expect(await counts()).toEqual(stored);

    // The same content under another parent run: refused (it would leave that run with no cost), and that run not created.
    const elsewhere = await tally.executor.runDeferred(line("tenantA", 1000), { ...PARENT, runId: "01PARENTRUN0000000000000003" }, { runId: "order-e" });
    expect(elsewhere.status).toBe("failed");
    expect(elsewhere.attempts).toBe(1);
    expect((elsewhere.error as { message?: string } | null)?.message).toContain(`parent run "${PARENT.runId}" → "01PARENTRUN0000000000000003"`);
    expect(await counts()).toEqual(stored);
    expect(await tally.db.selectFrom("runs").select("run_id").execute()).toEqual([{ run_id: PARENT.runId }]);
  });
});
