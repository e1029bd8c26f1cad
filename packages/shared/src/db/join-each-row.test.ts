import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { joinEachRow, jsonIntegerRows, readAll } from "./dialect.ts";
import { connectTestDatabase, testEngine } from "./test-database.ts";

/** A rollup-like table keyed (bucket, customer): `buckets` buckets of `customers` rows, v = bucket * 100 + customer. */
async function fillTable(db: Awaited<ReturnType<typeof connectTestDatabase>>, buckets: number, customers: number): Promise<void> {
  await sql`create table pieces_t (bucket bigint not null, customer text not null, v bigint not null, primary key (bucket, customer))`.execute(db);
  const rows = [];
  for (let b = 0; b < buckets; b++) for (let c = 0; c < customers; c++) rows.push(sql`(${b}, ${`c${c}`}, ${b * 100 + c})`);
  for (let i = 0; i < rows.length; i += 500) await sql`insert into pieces_t (bucket, customer, v) values ${sql.join(rows.slice(i, i + 500))}`.execute(db);
}

describe("joinEachRow", () => {
  it("joins each piece to the rows its conditions pick, outer columns included", async () => {
    const db = await connectTestDatabase();
    try {
      await fillTable(db, 20, 3);
      // Pieces [a, b) keyed k; the rows of customers c0 and c2 in each range.
      const pieces = jsonIntegerRows(db, JSON.stringify([[2, 4, 7], [10, 11, 8]]), ["a", "b", "k"]);
      const from = joinEachRow(db, pieces, "j", "pieces_t", "t", [sql`t.bucket >= j.a`, sql`t.bucket < j.b`, sql`customer in ('c0', 'c2')`]);
      const r = await sql<{ k: number; v: number }>`select j.k as k, t.v as v from ${from} order by k, v`.execute(db);
      const expected = [[7, 2], [7, 3], [8, 10]].flatMap(([k, b]) => [0, 2].map((c) => [k!, b! * 100 + c]));
      expect(r.rows.map((x) => [Number(x.k), Number(x.v)])).toEqual(expected);
    } finally {
      await db.destroy();
    }
  });

  // PostgreSQL joined plainly guesses 100 pieces, scans the whole table once and filters the join; each piece
  // must instead read its own range of the primary key.
  it.runIf(testEngine() === "postgres")("reads the table by its key, piece by piece, on PostgreSQL", async () => {
    const db = await connectTestDatabase();
    try {
      // Shaped like the 15-minute base table at 100,000 runs: 200,000 rows, ~6 a bucket, keyed (bucket, model,
      // customer), 200 customers; a customer filter is no part of the key's leading columns.
      await sql`create table pieces_t (bucket bigint not null, model text not null, customer text not null, v bigint not null, primary key (bucket, model, customer))`.execute(db);
      await sql`insert into pieces_t select b, 'm' || m, 'c' || ((b * 7 + m) % 200), b * 100 + m from generate_series(0, 33332) as b, generate_series(0, 5) as m`.execute(db);
      await sql`analyze pieces_t`.execute(db);
      const ranges = Array.from({ length: 52 }, (_, i) => [i * 640, i * 640 + 2, i]);
      const pieces = jsonIntegerRows(db, JSON.stringify(ranges), ["a", "b", "k"]);
      const from = joinEachRow(db, pieces, "j", "pieces_t", "t", [sql`t.bucket >= j.a`, sql`t.bucket < j.b`, sql`customer in ('c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c8')`]);
      const plan = await sql<{ "QUERY PLAN": unknown }>`explain (format json) select sum(t.v) from ${from}`.execute(db);
      const scans: string[] = [];
      const walk = (n: { "Node Type": string; "Relation Name"?: string; Plans?: unknown[] }) => {
        if (n["Relation Name"] === "pieces_t") scans.push(n["Node Type"]);
        for (const c of n.Plans ?? []) walk(c as typeof n);
      };
      walk((plan.rows[0]!["QUERY PLAN"] as { Plan: { "Node Type": string } }[])[0]!.Plan);
      expect(scans).toHaveLength(1);
      expect(["Index Scan", "Index Only Scan", "Bitmap Heap Scan"]).toContain(scans[0]);
    } finally {
      await db.destroy();
    }
  });
});

describe("readAll", () => {
  it("answers in the order given: at once on PostgreSQL, one after the other on SQLite", async () => {
    const db = await connectTestDatabase();
    try {
      const events: string[] = [];
      let secondStarted!: () => void;
      const started = new Promise<void>((resolve) => (secondStarted = resolve));
      const first = async () => {
        events.push("first starts");
        // On PostgreSQL the first read is still running when the second starts; waiting for it on SQLite
        // would never end, so there the first read just goes on.
        if (testEngine() === "postgres") await started;
        events.push("first ends");
        return (await sql<{ n: number }>`select 1 as n`.execute(db)).rows[0]!.n;
      };
      const second = async () => {
        events.push("second starts");
        secondStarted();
        return "two";
      };
      const out = await readAll(db, [first, second]);
      expect(out.map(String)).toEqual(["1", "two"]);
      expect(events).toEqual(
        testEngine() === "postgres" ? ["first starts", "second starts", "first ends"] : ["first starts", "first ends", "second starts"],
      );
    } finally {
      await db.destroy();
    }
  });
});
