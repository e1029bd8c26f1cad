import { connectTestDatabase } from "@tally/shared/db/testing";
import { type RawBuilder, sql } from "kysely";
import { type Db, jsonText, syncTagKeys } from "@tally/shared/db";
import { describe, expect, it } from "vitest";
import { fillTagKeys } from "./tag-fill.ts";
import { recordUsage } from "./usage.ts";

// The tag fill over a busy day (several transactions per day), with usage lines whose own time lies in
// another bucket (or days away) than their run's, and runs recorded between its transactions: the tag
// rows equal a GROUP BY over the raw rows. (apps/api/test/tag-dimensions.test.ts covers it through serve().)
const DAY = 86_400_000;
const START = Date.UTC(2026, 9, 1);
const MINUTE = 60_000;

async function line(db: Db, runId: string, at: number, lineAt: number, tags: Record<string, string>, key: string) {
  const run = { runId, functionSlug: "fn", model: "gpt-4o", customerId: `c${runId.length % 3}`, tags, occurredAt: lineAt, now: at };
  const usage = { input_tokens: 1000, output_tokens: 100, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
  await recordUsage(db, run, { key, deferredRunId: key, kind: "agent", model: "gpt-4o", usage });
}
/** A run first seen at `at`, its plan from `plan` (none when undefined), one agent line at its time and another at `at + lag`. */
async function seedRun(db: Db, runId: string, at: number, plan: string | undefined, lag: number) {
  const tags: Record<string, string> = plan === undefined ? {} : { plan };
  await line(db, runId, at, at, tags, `${runId}-1`);
  await line(db, runId, at, at + lag, tags, `${runId}-2`);
}

async function expectExact(db: Db) {
  const q = async (query: RawBuilder<unknown>) => (await query.execute(db)).rows;
  const value = sql`coalesce(${jsonText(db, "r.tags", "plan")}, '')`;
  for (const [size, grain] of [[900_000, "15m"], [DAY, "1d"]] as const) {
    const b = (col: string) => sql`(${sql.ref(col)} / ${sql.lit(size)}) * ${sql.lit(size)}`;
    expect(await q(sql`select bucket, tag_value, model, customer_id, runs from ${sql.table(`rollup_runs_tag_${grain}`)} where tag_key = 'plan' order by 1, 2, 3, 4`)).toEqual(
      await q(sql`select ${b("r.occurred_at")} as bucket, ${value} as tag_value, r.model, r.customer_id, count(*) as runs from runs r group by 1, 2, 3, 4 order by 1, 2, 3, 4`),
    );
    expect(
      await q(sql`select bucket, tag_value, model, customer_id, kind, calls, input_tokens from ${sql.table(`rollup_usage_tag_${grain}`)} where tag_key = 'plan' order by 1, 2, 3, 4, 5`),
    ).toEqual(
      await q(
        sql`select ${b("u.occurred_at")} as bucket, ${value} as tag_value, u.model, u.customer_id, u.kind, count(*) as calls, sum(u.input_tokens) as input_tokens
          from usage_costs u join runs r on r.run_id = u.run_id group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5`,
      ),
    );
  }
}

describe("fillTagKeys", () => {
  it("fills a busy day in several transactions, each fact once, with writes between them", async () => {
    const db = await connectTestDatabase();
    // 120 runs over 10 hours of one day (two lines each: ~360 facts), every second one's second line 7 to
    // 20 minutes later (often the next bucket), one's two days later; a quieter next day.
    for (let i = 0; i < 120; i++) {
      const lag = i === 7 ? 2 * DAY : i % 2 ? 7 * MINUTE + (i % 14) * MINUTE : 0;
      await seedRun(db, `run-${i}`, START + i * 5 * MINUTE, i % 4 === 0 ? undefined : ["free", "pro", "team"][i % 3], lag);
    }
    for (let i = 0; i < 10; i++) await seedRun(db, `next-${i}`, START + DAY + i * 3_600_000, "pro", 0);
    await syncTagKeys(db, ["plan"]);
    let between = 0;
    const chunks = await fillTagKeys(db, {
      pause: async () => {
        between++;
        if (between === 2) {
          // Before the key's filled_to (the writer's), after it (the fill's), and a run gaining its plan.
          await seedRun(db, "late-early", START + 10 * MINUTE, "team", 0);
          await seedRun(db, "late-later", START + DAY + 30 * MINUTE, "free", 3 * MINUTE);
          await line(db, "run-0", START, START + 200 * MINUTE, { plan: "pro" }, "run-0-3");
        }
        return true;
      },
    });
    expect(chunks).toBeGreaterThan(4);
    expect((await db.selectFrom("rollup_tag_keys").select("filled_to").executeTakeFirstOrThrow()).filled_to).toBeNull();
    await expectExact(db);
    await db.destroy();
  });

  it("completes a key at once when no fact is held, and stops when pause says so", async () => {
    const db = await connectTestDatabase();
    await syncTagKeys(db, ["plan"]);
    expect(await db.selectFrom("rollup_tag_keys").select(["tag_key", "filled_to"]).execute()).toEqual([{ tag_key: "plan", filled_to: null }]);
    await seedRun(db, "a", START, "pro", 0);
    await seedRun(db, "b", START + 3 * DAY, "free", 0);
    await syncTagKeys(db, ["plan", "env"]);
    expect(await fillTagKeys(db, { pause: async () => false })).toBe(1);
    expect((await db.selectFrom("rollup_tag_keys").select("filled_to").where("tag_key", "=", "env").executeTakeFirstOrThrow()).filled_to).toBe(START + DAY);
    expect(await fillTagKeys(db)).toBe(2); // the next day holding a fact, then "no more"
    expect(await db.selectFrom("rollup_tag_keys").select(["tag_key", "filled_to"]).orderBy("tag_key").execute()).toEqual([
      { tag_key: "env", filled_to: null },
      { tag_key: "plan", filled_to: null },
    ]);
    await db.destroy();
  });
});
