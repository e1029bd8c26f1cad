import type { Kysely, Transaction } from "kysely";
import type { Database } from "@tally/shared/db";

/**
 * Runs `fn` in a transaction, or inside the caller's when `db` already is one, so bulk writers (the demo
 * seed, benches) can put many records in one commit while each record stays atomic on its own.
 */
export function inTransaction<T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Database>);
  return db.transaction().execute(fn);
}
