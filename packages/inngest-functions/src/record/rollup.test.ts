import { connectTestDatabase, testEngine } from "@tally/shared/db/testing";
import { describe, expect, it } from "vitest";
import { batchRollups, bump } from "./rollup.ts";

describe("bump", () => {
  it("sums into one row per key and deletes a row whose count returns to zero", async () => {
    const db = await connectTestDatabase({ file: ":memory:" });
    const key = { bucket: 0, model: "m", customer_id: "c", function_slug: "f", tags: {}, name: "tone" };
    const row = { bucket: 0, model: "m", customer_id: "c", name: "tone" };
    await db.transaction().execute(async (trx) => {
      await bump(trx, "scores", key, { n: 1, sum_value: 0.5, sum_sq_value: 0.25 });
      await bump(trx, "scores", key, { n: 1, sum_value: 1, sum_sq_value: 1 });
    });
    expect(await db.selectFrom("rollup_scores_15m").selectAll().execute()).toEqual([
      { ...row, n: 2, sum_value: 1.5, sum_sq_value: 1.25 },
    ]);
    await db.transaction().execute(async (trx) => {
      await bump(trx, "scores", key, { n: -1, sum_value: -0.5, sum_sq_value: -0.25 });
      await bump(trx, "scores", key, { n: -1, sum_value: -1, sum_sq_value: -1 });
    });
    expect(await db.selectFrom("rollup_scores_15m").selectAll().execute()).toEqual([]);
    await db.destroy();
  });

  it("keeps rows apart in a batch whatever characters their keys hold", async () => {
    const db = await connectTestDatabase({ file: ":memory:" });
    // Keys that read alike once joined with a separator: NUL (SQLite stores it; PostgreSQL's text cannot,
    // and the payload schemas refuse it on both engines, so there U+0001 takes its place).
    const sep = testEngine() === "sqlite" ? "\u0000" : "\u0001";
    const a = { bucket: 0, model: `m${sep}x`, customer_id: "c", name: "tone" };
    const b = { bucket: 0, model: "m", customer_id: `x${sep}c`, name: "tone" };
    const more = { function_slug: "f", tags: {} };
    await db.transaction().execute((trx) =>
      batchRollups(trx, async () => {
        await bump(trx, "scores", { ...a, ...more }, { n: 1, sum_value: 0.5, sum_sq_value: 0.25 });
        await bump(trx, "scores", { ...b, ...more }, { n: 1, sum_value: 1, sum_sq_value: 1 });
      }),
    );
    const rows = await db.selectFrom("rollup_scores_15m").selectAll().orderBy("sum_value").execute();
    expect(rows).toEqual([
      { ...a, n: 1, sum_value: 0.5, sum_sq_value: 0.25 },
      { ...b, n: 1, sum_value: 1, sum_sq_value: 1 },
    ]);
    await db.destroy();
  });

  it("refuses a key with a missing column", async () => {
    const db = await connectTestDatabase({ file: ":memory:" });
    await expect(
      db.transaction().execute((trx) => bump(trx, "scores", { bucket: 0, model: "m", customer_id: "", function_slug: "f", tags: {} }, { n: 1 })),
    ).rejects.toThrow("missing key name");
    await db.destroy();
  });
});
