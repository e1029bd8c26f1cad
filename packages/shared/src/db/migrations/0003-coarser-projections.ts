import { type Kysely, sql } from "kysely";
import { createTableLike, isPostgres } from "../dialect.ts";
import { WEEK_MS, WEEK_ORIGIN_MS } from "../time.ts";

// Frozen once landed.
// 1. Weekly (UTC weeks from Monday 00:00) and 6-hour (00, 06, 12, 18 UTC) projections of the per-model and
//    per-customer rollups, next to the hour and day ones of 0002, backfilled from the day and hour
//    projections. A year's total reads ~60 rows per key instead of ~365; a local day or week off UTC reads
//    one row and, at each edge, a 6-hour block ± an hour or two instead of up to 12 hour rows.
// 2. Every rollup table becomes WITHOUT ROWID (SQLite): rows are stored in primary-key order, so a range
//    scan on (bucket, …) reads the measures from the key's own b-tree instead of a second lookup per row.
//    The tables are rebuilt from their own CREATE statements, rows copied as they are.

const FACTS = {
  runs: { keys: [], measures: ["runs", "scored_runs"] },
  usage: {
    keys: ["kind"],
    measures: [
      "calls", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens",
      "cost_micros", "priced_calls", "unpriced_calls", "unpriced_tokens",
    ],
  },
  scores: { keys: ["name"], measures: ["n", "sum_value", "sum_sq_value"] },
  score_bins: { keys: ["name", "bin"], measures: ["n"] },
} as const;
const ROWID = /\s*without rowid\s*$/i;
const DIMS = [["model", "model"], ["customer", "customer_id"]] as const;

export async function up(db: Kysely<any>): Promise<void> {
  const weekStart = `((bucket - ${WEEK_ORIGIN_MS}) / ${WEEK_MS}) * ${WEEK_MS} + ${WEEK_ORIGIN_MS}`;
  const sixHours = `(bucket / ${6 * 3_600_000}) * ${6 * 3_600_000}`;
  for (const [fact, { keys, measures }] of Object.entries(FACTS)) {
    for (const [dimName, dim] of DIMS) for (const [grain, source, start] of [["1w", "1d", weekStart], ["6h", "1h", sixHours]]) {
      const table = `rollup_${fact}_${dimName}_${grain}`;
      const from = `rollup_${fact}_${dimName}_${source}`;
      // Same columns as the finer projection; its CREATE statement is the template.
      await createTableLike(db, from, table);
      const group = [dim, ...keys].join(", ");
      await sql
        .raw(
          `insert into "${table}" (bucket, ${group}, ${measures.join(", ")}) ` +
            `select ${start} as w, ${group}, ${measures.map((m) => `sum(${m})`).join(", ")} from "${from}" ` +
            `group by w, ${group}`,
        )
        .execute(db);
    }
  }
  if (isPostgres(db)) return; // no WITHOUT ROWID there; the new tables above were all there was
  const tables = await sql<{ name: string; sql: string }>`
    select name, sql from sqlite_master where type = 'table' and name like 'rollup!_%' escape '!'`.execute(db);
  for (const { name, sql: ddl } of tables.rows) {
    if (ROWID.test(ddl)) continue; // created above, or rebuilt already (a down and up again)
    const tmp = `${name}_rebuild`;
    await sql.raw(`${ddl.replace(`"${name}"`, `"${tmp}"`)} without rowid`).execute(db);
    await sql.raw(`insert into "${tmp}" select * from "${name}"`).execute(db);
    await sql.raw(`drop table "${name}"`).execute(db);
    await sql.raw(`alter table "${tmp}" rename to "${name}"`).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const fact of Object.keys(FACTS)) {
    for (const [dimName] of DIMS) for (const grain of ["1w", "6h"]) await db.schema.dropTable(`rollup_${fact}_${dimName}_${grain}`).execute();
  }
}
