import { type Kysely, sql } from "kysely";
import { createTableLike, listTables, tableColumns } from "../dialect.ts";

// Frozen once landed.
// The 6-hour grain goes (issue 20): every fact at every cuboid kept a 6-hour table, 7 of the ~40 rollup rows
// a fact updates, while reads used a 6-hour row only between the days and the hours at a window's edges (a
// window between days now reads up to 23 hour rows per key there instead of 3 six-hour blocks and 5 hours).
// The rows were sums of the hour rows beside them, so no answer changes: the tables are dropped. Down
// rebuilds them from those hour rows.

const FACTS = ["runs", "usage", "scores", "score_bins", "judge"];
const CUBOIDS = ["model", "customer", "model_customer", "function_only", "tag_only", "function_model", "tag_model", "function_customer", "tag_customer", "function", "tag"];
const SIX_HOURS_MS = 21_600_000;
const tables = (grain: string) => FACTS.flatMap((fact) => CUBOIDS.map((cuboid) => `rollup_${fact}_${cuboid}_${grain}`));

export async function up(db: Kysely<any>): Promise<void> {
  for (const name of tables("6h")) await db.schema.dropTable(name).ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const present = new Set(await listTables(db, "rollup!_%"));
  for (const hourly of tables("1h").filter((t) => present.has(t))) {
    const six = hourly.replace(/_1h$/, "_6h");
    await createTableLike(db, hourly, six);
    const cols = await tableColumns(db, hourly);
    const keys = cols.filter((c) => c.pk > 0 && c.name !== "bucket").map((c) => c.name);
    const measures = cols.filter((c) => c.pk === 0).map((c) => c.name);
    const q = (n: string) => `"${n}"`;
    await sql
      .raw(
        `insert into ${q(six)} (bucket, ${[...keys, ...measures].map(q).join(", ")}) select (bucket / ${SIX_HOURS_MS}) * ${SIX_HOURS_MS} as b, ` +
          `${[...keys.map(q), ...measures.map((m) => `sum(${q(m)})`)].join(", ")} from ${q(hourly)} group by b${keys.map((k) => `, ${q(k)}`).join("")}`,
      )
      .execute(db);
  }
}
