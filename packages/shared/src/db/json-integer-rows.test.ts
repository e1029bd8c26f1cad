import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { jsonIntegerRows } from "./dialect.ts";
import { connectTestDatabase, testEngine } from "./test-database.ts";

describe("jsonIntegerRows", () => {
  it("answers the JSON's integer rows, joined like series.ts joins its pieces", async () => {
    const db = await connectTestDatabase();
    try {
      const rows = jsonIntegerRows(db, JSON.stringify([[1, 3, 7], [10, 12, 8]]), ["a", "b", "k"]);
      const r = await sql<{ k: number; n: number }>`select j.k as k, t.n as n from ${rows} as j cross join (select 1 as n union all select 2 union all select 11) as t where t.n >= j.a and t.n < j.b order by k, n`.execute(db);
      expect(r.rows.map((x) => [Number(x.k), Number(x.n)])).toEqual([[7, 1], [7, 2], [8, 11]]);
    } finally {
      await db.destroy();
    }
  });

  // PostgreSQL's plan: the JSON is unpacked in a subquery of its own (read once), not pulled up into the join,
  // where each joined row re-read its element's JSON (a year of weeks by function: 543 ms instead of 141).
  it.runIf(testEngine() === "postgres")("stays a subquery PostgreSQL reads once", async () => {
    const db = await connectTestDatabase();
    try {
      const rows = jsonIntegerRows(db, JSON.stringify([[1, 3, 7]]), ["a", "b", "k"]);
      const plan = await sql<{ "QUERY PLAN": unknown }>`explain (format json) select j.k + t.n as v from ${rows} as j cross join generate_series(1, 5) as t(n) where t.n >= j.a and t.n < j.b`.execute(db);
      const nodes: { "Node Type": string; Alias?: string }[] = [];
      const walk = (n: { "Node Type": string; Alias?: string; Plans?: unknown[] }) => {
        nodes.push(n);
        for (const c of n.Plans ?? []) walk(c as typeof n);
      };
      walk((plan.rows[0]!["QUERY PLAN"] as { Plan: { "Node Type": string } }[])[0]!.Plan);
      expect(nodes.filter((n) => n["Node Type"] === "Subquery Scan").map((n) => n.Alias)).toEqual(["j"]);
    } finally {
      await db.destroy();
    }
  });
});
