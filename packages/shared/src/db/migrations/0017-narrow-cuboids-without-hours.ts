import { type Kysely, sql } from "kysely";
import { createTableLike, listTables, tableColumns } from "../dialect.ts";

// Frozen once landed.
// The function and tag cuboids lose their hour grain (issue 20): 4 of the 33 rollup rows a fact updated, and
// 4 of the 20 per promoted tag key. They are small and read only under a function or tag filter or split, whose
// window edges now read up to 95 quarter rows per key where 23 hours and 3 quarters stood. The hour rows were
// sums of the quarter rows of the same cuboid, so no answer changes: the tables are dropped. Down rebuilds
// them from those quarter rows.

const FACTS = ["runs", "usage", "scores", "score_bins", "judge"];
const CUBOIDS = ["function_only", "tag_only", "function_model", "tag_model", "function_customer", "tag_customer", "function", "tag"];
const HOUR_MS = 3_600_000;
const tables = (grain: string) => FACTS.flatMap((fact) => CUBOIDS.map((cuboid) => `rollup_${fact}_${cuboid}_${grain}`));

export async function up(db: Kysely<any>): Promise<void> {
  for (const name of tables("1h")) await db.schema.dropTable(name).ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const present = new Set(await listTables(db, "rollup!_%"));
  for (const quarters of tables("15m").filter((t) => present.has(t))) {
    const hours = quarters.replace(/_15m$/, "_1h");
    await createTableLike(db, quarters, hours);
    const cols = await tableColumns(db, quarters);
    const keys = cols.filter((c) => c.pk > 0 && c.name !== "bucket").map((c) => c.name);
    const measures = cols.filter((c) => c.pk === 0).map((c) => c.name);
    const q = (n: string) => `"${n}"`;
    await sql
      .raw(
        `insert into ${q(hours)} (bucket, ${[...keys, ...measures].map(q).join(", ")}) select (bucket / ${HOUR_MS}) * ${HOUR_MS} as b, ` +
          `${[...keys.map(q), ...measures.map((m) => `sum(${q(m)})`)].join(", ")} from ${q(quarters)} group by b${keys.map((k) => `, ${q(k)}`).join("")}`,
      )
      .execute(db);
  }
}
