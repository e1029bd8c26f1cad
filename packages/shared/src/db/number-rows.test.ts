import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { numberRows, numberRowsAgg } from "./dialect.ts";
import { connectTestDatabase } from "./test-database.ts";

// Values a float64 holds exactly or rounds once: integers up to 2^53 (micro-USD sums), negatives, fractions, and
// one that needs 17 significant digits (SQLite's JSON text keeps 15: 0.1 + 0.2 came back as 0.3).
const VALUES: [g: string, i: number, v: string][] = [
  ["a", 1, "9007199254740991"],
  ["a", 2, "-3"],
  ["a", 3, "0.1"],
  ["b", 1, "0"],
  ["b", 2, "1e-300"],
  ["b", 3, "123456.789"],
  ["b", 4, "0.30000000000000004"],
];

describe("numberRowsAgg", () => {
  it("packs each group's rows exactly, a row's numbers together", async () => {
    const db = await connectTestDatabase();
    try {
      const rows = sql.join(VALUES.map(([g, i, v]) => sql`select ${g} as g, cast(${i} as integer) as i, cast(${Number(v)} as double precision) as v`), sql` union all `);
      const r = await sql<Record<string, unknown>>`select g, ${numberRowsAgg(db, [sql.ref("i"), sql.ref("v")])} as p
        from (${rows}) as t group by g order by g`.execute(db);
      expect(r.rows.map((row) => row.g)).toEqual(["a", "b"]);
      for (const row of r.rows) {
        const packed = numberRows(row.p, 2);
        const pairs = Array.from({ length: packed.length / 2 }, (_, j) => [packed[2 * j]!, packed[2 * j + 1]!]).sort((x, y) => x[0]! - y[0]!);
        // Expected: the numbers bound, as JavaScript parses the texts above, whatever order the group was read in.
        expect(pairs).toEqual(VALUES.filter((x) => x[0] === row.g).map(([, i, v]) => [i, Number(v)]));
      }
      // A group with no rows (an aggregate over nothing) packs nothing.
      const none = await sql<{ p: unknown }>`select ${numberRowsAgg(db, [sql.ref("i")])} as p from (${rows}) as t where i > 99`.execute(db);
      expect(numberRows(none.rows[0]!.p, 1)).toHaveLength(0);
    } finally {
      await db.destroy();
    }
  });

  it("refuses anything but whole rows of float64s", () => {
    const one = new Uint8Array(16);
    new DataView(one.buffer).setFloat64(0, 2.5);
    expect(Array.from(numberRows(one, 2))).toEqual([2.5, 0]);
    expect(() => numberRows(one, 3)).toThrow(/rows of 3 packed float64s/);
    expect(() => numberRows(new Uint8Array(7), 1)).toThrow(/packed float64s/);
    expect(() => numberRows("[1,2.5]", 1)).toThrow(/packed float64s/);
  });
});
