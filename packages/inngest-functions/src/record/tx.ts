import type { Kysely, Transaction } from "kysely";
import type { Database } from "@tally/shared/db";
import { batchRollups } from "./rollup.ts";

/**
 * Runs `fn` in a write transaction (it waits for the write lock: connect.ts), or inside the caller's when
 * `db` already is one, so bulk writers (the demo seed, benches) can put many records in one commit while
 * each record stays atomic on its own. Rollup rows are summed in memory and written at the end of `fn`
 * (batchRollups), or of the caller's batch.
 */
export function inTransaction<T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  const record = (trx: Transaction<Database>) => batchRollups(trx, () => fn(trx));
  return db.isTransaction ? record(db as Transaction<Database>) : db.transaction().execute(record);
}
