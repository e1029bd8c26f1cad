import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { numberArray, numberArrayAgg } from "./dialect.ts";
import { connectTestDatabase } from "./test-database.ts";

// Values a float64 holds exactly or rounds once: integers up to 2^53 (micro-USD sums), negatives, fractions.
const VALUES: [g: string, i: number, v: string][] = [
  ["a", 1, "9007199254740991"],
  ["a", 2, "-3"],
  ["a", 3, "0.1"],
  ["b", 1, "0"],
  ["b", 2, "1e-300"],
  ["b", 3, "123456.789"],
];

describe("numberArrayAgg", () => {
  it("collects each group's numbers exactly, every array of a group in the same row order", async () => {
    const db = await connectTestDatabase();
    try {
      const rows = sql.join(VALUES.map(([g, i, v]) => sql`select ${g} as g, ${i} as i, ${sql.raw(v)} as v`), sql` union all `);
      const r = await sql<Record<string, unknown>>`select g, ${numberArrayAgg(db, sql.ref("i"))} as i, ${numberArrayAgg(db, sql.ref("v"))} as v
        from (${rows}) as t group by g order by g`.execute(db);
      expect(r.rows.map((row) => row.g)).toEqual(["a", "b"]);
      for (const row of r.rows) {
        const [is, vs] = [numberArray(row.i), numberArray(row.v)];
        // Paired by i whatever order the group was read in; expected from the literals (JavaScript's own parse).
        const pairs = Array.from(is, (i, j) => [i, vs[j]!]).sort((x, y) => x[0]! - y[0]!);
        expect(pairs).toEqual(VALUES.filter((x) => x[0] === row.g).map(([, i, v]) => [i, Number(v)]));
      }
    } finally {
      await db.destroy();
    }
  });

  it("refuses anything but JSON text or whole float64s", () => {
    expect(Array.from(numberArray("[1,2.5]"))).toEqual([1, 2.5]);
    expect(() => numberArray(new Uint8Array(7))).toThrow(/packed float64s/);
    expect(() => numberArray(42)).toThrow(/packed float64s/);
  });
});
