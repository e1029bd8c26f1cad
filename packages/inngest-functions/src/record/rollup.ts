import type { Transaction } from "kysely";
import type { Database } from "@tally/shared/db";

type Tx = Transaction<Database>;
type RollupTable = "rollup_runs_15m" | "rollup_usage_15m" | "rollup_scores_15m";

/** The count column: a row whose count is back to zero holds nothing and is deleted. */
const COUNT: Record<RollupTable, string> = {
  rollup_runs_15m: "runs",
  rollup_usage_15m: "calls",
  rollup_scores_15m: "n",
};

const KEYS: Record<RollupTable, readonly string[]> = {
  rollup_runs_15m: ["bucket", "model", "customer_id", "function_slug"],
  rollup_usage_15m: ["bucket", "model", "customer_id", "kind"],
  rollup_scores_15m: ["bucket", "model", "customer_id", "name"],
};

/**
 * Adds `deltas` to one rollup row, creating it if needed (an upsert that sums). Negative deltas move
 * counts when a run is re-attributed; a row whose count falls to zero is deleted so readers never see empty groups.
 */
export async function bump(
  trx: Tx,
  table: RollupTable,
  key: Record<string, string | number>,
  deltas: Record<string, number>,
): Promise<void> {
  const keyCols = KEYS[table];
  for (const k of keyCols) if (!(k in key)) throw new Error(`rollup ${table}: missing key ${k}`);
  // Kysely cannot type a column set chosen at run time; the key list above is the contract.
  const db = trx as unknown as Transaction<any>;
  const name: string = table;
  await db
    .insertInto(name)
    .values({ ...key, ...deltas })
    .onConflict((oc) =>
      oc.columns(keyCols as string[]).doUpdateSet((eb) =>
        Object.fromEntries(
          Object.keys(deltas).map((c) => [c, eb(eb.ref(`${name}.${c}`), "+", eb.ref(`excluded.${c}`))]),
        ),
      ),
    )
    .execute();
  if (Object.values(deltas).some((d) => d < 0)) {
    let del = db.deleteFrom(name);
    for (const k of keyCols) del = del.where(k, "=", key[k]);
    await del.where(COUNT[table], "=", 0).execute();
  }
}
