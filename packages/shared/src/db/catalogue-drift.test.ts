import { connectTestDatabase, testEngine } from "./test-database.ts";
import { describe, expect, it } from "vitest";
import { cuboidFor, grainTable, keyColumns, rollupTables, tableName } from "./catalogue.ts";
import { listTables, storedInKeyOrder, tableColumns } from "./dialect.ts";

// The migrations freeze their own DDL; the live catalogue declares what the writers and readers use. A
// freshly migrated database must hold exactly the catalogue's rollup tables, each with the declared
// columns (name and type, in order) and primary key (in order).
describe("the migrated schema equals the catalogue", () => {
  it("every rollup table's columns and primary key are as declared, and no other rollup table exists", async () => {
    const db = await connectTestDatabase({ file: ":memory:" });
    try {
      const declared = rollupTables();
      const tables = (await listTables(db, "rollup!_%")).filter((t) => t !== "rollup_calendars" && t !== "rollup_tag_keys");
      expect(tables).toEqual(declared.map((t) => t.name).sort());
      for (const spec of declared) {
        const cols = await tableColumns(db, spec.name);
        expect(cols.map((c) => [c.name, c.type]), spec.name).toEqual(spec.columns.map(([n, t]) => [n, t]));
        expect(cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name), spec.name).toEqual([...spec.primaryKey]);
        expect(cols.every((c) => c.notNull), spec.name).toBe(true);
        // SQLite keeps a rollup table in primary-key order (WITHOUT ROWID); PostgreSQL has no such storage.
        expect(await storedInKeyOrder(db, spec.name), spec.name).toBe(testEngine() === "sqlite");
      }
    } finally {
      await db.destroy();
    }
  });

  it("derives names, keys and cuboids as the design says", () => {
    expect(tableName("usage", "model_customer", "15m")).toBe("rollup_usage_15m");
    expect(tableName("usage", "model", "1d")).toBe("rollup_usage_model_1d");
    expect(tableName("scores", "model_customer", "local")).toBe("rollup_scores_model_customer_local");
    expect(keyColumns("runs", "model_customer", "15m")).toEqual(["bucket", "model", "customer_id", "function_slug"]);
    expect(keyColumns("usage", "customer", "local")).toEqual(["calendar", "bucket", "customer_id", "kind"]);
    expect(keyColumns("score_bins", "tag", "1h")).toEqual(["bucket", "tag_key", "tag_value", "model", "customer_id", "name", "bin"]);
    expect(cuboidFor(new Set())).toBe("model");
    expect(cuboidFor(new Set(["customer_id"] as const))).toBe("customer");
    expect(cuboidFor(new Set(["model", "customer_id"] as const))).toBe("model_customer");
    expect(cuboidFor(new Set(["function_slug"] as const))).toBe("function_only");
    expect(cuboidFor(new Set(["tag_key", "tag_value"] as const))).toBe("tag_only");
    expect(cuboidFor(new Set(["function_slug", "model"] as const))).toBe("function_model");
    expect(cuboidFor(new Set(["tag_key", "tag_value", "model"] as const))).toBe("tag_model");
    expect(keyColumns("usage", "function_only", "1w")).toEqual(["bucket", "function_slug", "kind"]);
    expect(tableName("scores", "tag_only", "4w")).toBe("rollup_scores_tag_only_4w");
    expect(cuboidFor(new Set(["function_slug", "customer_id"] as const))).toBe("function_customer");
    expect(cuboidFor(new Set(["tag_value", "customer_id"] as const))).toBe("tag_customer");
    expect(cuboidFor(new Set(["function_slug", "customer_id", "model"] as const))).toBe("function");
    expect(cuboidFor(new Set(["tag_key", "tag_value", "model", "customer_id"] as const))).toBe("tag");
    expect(() => cuboidFor(new Set(["tag_value", "function_slug"] as const))).toThrow("no rollup cuboid");
    expect(grainTable("usage", "model", "15m")).toBe("rollup_usage_15m");
    expect(grainTable("usage", "function", "15m")).toBe("rollup_usage_function_15m");
    expect(grainTable("runs", "customer", "1h")).toBe("rollup_runs_customer_1h");
  });
});
