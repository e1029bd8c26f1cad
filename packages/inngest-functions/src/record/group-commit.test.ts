import { connectTestDatabase, testEngine } from "@tally/shared/db/testing";
import { UsageError } from "@tally/shared/pricing";
import { describe, expect, it } from "vitest";
import { expectRollupsEqualRawRows } from "../testing/expect-rollups.ts";
import type { RunRef } from "./run.ts";
import { bump } from "./rollup.ts";
import { inTransaction } from "./tx.ts";
import { recordUsage, type UsageLine } from "./usage.ts";

// Group commit (tx.ts): records that arrive while another is being written go into one transaction, each
// under a savepoint. These check what that must never change: a record that fails takes nothing with it
// and leaves nothing behind, and the rollups stay the sum of exactly the committed rows.
describe(`group commit (${testEngine()})`, () => {
  const at = Date.UTC(2026, 5, 1, 12, 7);
  const usage = { input_tokens: 1000, output_tokens: 100, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
  const run = (i: number): RunRef => ({ runId: `run-${i}`, functionSlug: "support", model: "gpt-4o", customerId: `cust-${i % 3}`, tags: { plan: "pro" }, occurredAt: at + i * 60_000, now: at });
  const line = (i: number, tokens = usage): UsageLine => ({ key: `cost-${i}`, deferredRunId: `d-${i}`, kind: "agent", model: "gpt-4o", usage: tokens });

  it("records sent in the same moment share one transaction; each promise settles after the commit", async () => {
    const db = await connectTestDatabase();
    try {
      const seen = await Promise.all(Array.from({ length: 3 }, (_, i) => inTransaction(db, async (trx) => {
        await trx.insertInto("customers").values({ id: `c-${i}`, name: `C ${i}`, monthly_budget_micros: null, created_at: at, updated_at: at }).execute();
        return trx;
      })));
      expect(new Set(seen).size).toBe(1);
      // Visible to a reader outside the transaction as soon as the promises settle.
      expect((await db.selectFrom("customers").select("id").orderBy("id").execute()).map((r) => r.id)).toEqual(["c-0", "c-1", "c-2"]);
    } finally {
      await db.destroy();
    }
  });

  it("a record whose rollup rows the database refuses when the group's batch is written fails alone; the others commit", async () => {
    const db = await connectTestDatabase();
    try {
      const before = Array.from({ length: 4 }, (_, i) => recordUsage(db, run(i), line(i)));
      // A run count no column can hold (NaN: NULL to SQLite, not a bigint to PostgreSQL): refused at the group's flush.
      const bad = inTransaction(db, (trx) => bump(trx, "runs", { bucket: at, model: "m", customer_id: "c", function_slug: "f", tags: {} }, { runs: Number.NaN }));
      const after = Array.from({ length: 4 }, (_, i) => recordUsage(db, run(4 + i), line(4 + i)));
      const settled = await Promise.allSettled([...before, bad, ...after]);
      expect(settled.map((s) => s.status)).toEqual([...Array(4).fill("fulfilled"), "rejected", ...Array(4).fill("fulfilled")]);
      expect(Number((await db.selectFrom("usage_costs").select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n)).toBe(8);
      await expectRollupsEqualRawRows(db);
    } finally {
      await db.destroy();
    }
  });

  it("a record that throws in a group is rolled back alone: its run row, its rows and its rollup rows are gone, the others commit", async () => {
    const db = await connectTestDatabase();
    try {
      const good = Array.from({ length: 10 }, (_, i) => recordUsage(db, run(i), line(i)));
      // Same fact key as run 0's line, different tokens, a new run: refused after its run row was written.
      const reused = recordUsage(db, { ...run(99), runId: "run-reused-key" }, line(0, { ...usage, input_tokens: 5 }));
      // A record that writes a row and then fails for a reason of its own.
      const failing = inTransaction(db, async (trx) => {
        await trx.insertInto("customers").values({ id: "never", name: "Never", monthly_budget_micros: null, created_at: at, updated_at: at }).execute();
        throw new Error("boom");
      });
      // A statement the database refuses (a duplicate key): PostgreSQL then refuses every statement of the
      // transaction until it is rolled back to the savepoint.
      const refused = inTransaction(db, async (trx) => {
        const row = { id: "twice", name: "Twice", monthly_budget_micros: null, created_at: at, updated_at: at };
        await trx.insertInto("customers").values(row).execute();
        await trx.insertInto("customers").values(row).execute();
      });
      const more = Array.from({ length: 5 }, (_, i) => recordUsage(db, run(10 + i), line(10 + i)));
      const settled = await Promise.allSettled([...good, reused, failing, refused, ...more]);

      expect(settled.map((s) => s.status)).toEqual([...Array(10).fill("fulfilled"), "rejected", "rejected", "rejected", ...Array(5).fill("fulfilled")]);
      expect((settled[10] as PromiseRejectedResult).reason).toBeInstanceOf(UsageError);
      expect(String((settled[11] as PromiseRejectedResult).reason)).toContain("boom");
      expect(settled.filter((s) => s.status === "fulfilled").every((s) => (s as PromiseFulfilledResult<{ inserted: boolean }>).value.inserted)).toBe(true);

      const runs = (await db.selectFrom("runs").select("run_id").execute()).map((r) => r.run_id).sort();
      expect(runs).toEqual(Array.from({ length: 15 }, (_, i) => `run-${i}`).sort());
      expect(Number((await db.selectFrom("usage_costs").select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n)).toBe(15);
      expect(await db.selectFrom("customers").select("id").where("id", "in", ["never", "twice"]).execute()).toEqual([]);
      // The stored line of run 0 is the first one's (1,000 input tokens), not the refused one's.
      expect((await db.selectFrom("usage_costs").select("input_tokens").where("id", "=", "cost-0:agent").executeTakeFirstOrThrow()).input_tokens).toBe(1000);

      await expectRollupsEqualRawRows(db);
      const base = await db.selectFrom("rollup_runs_15m").select((e) => e.fn.sum<number>("runs").as("runs")).executeTakeFirstOrThrow();
      expect(Number(base.runs)).toBe(15);
    } finally {
      await db.destroy();
    }
  });
});
