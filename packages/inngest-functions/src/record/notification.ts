import type { Kysely } from "kysely";
import type { Database } from "@tally/shared/db";
import { type RunRef, upsertRun } from "./run.ts";
import { inTransaction } from "./tx.ts";

/**
 * Records a notification once per key: `sent`, or `failed` when every attempt failed (`httpStatus` the
 * webhook's last answer, 0 without one).
 */
export async function recordNotification(
  db: Kysely<Database>,
  run: RunRef,
  n: { key: string; deferredRunId: string; channel: string; httpStatus: number; status?: "sent" | "failed" },
): Promise<{ inserted: boolean }> {
  return inTransaction(db, async (trx) => {
    await upsertRun(trx, run);
    const res = await trx
      .insertInto("notifications")
      .values({
        id: n.key,
        run_id: run.runId,
        deferred_run_id: n.deferredRunId,
        channel: n.channel,
        status: n.status ?? "sent",
        http_status: n.httpStatus,
        created_at: run.now,
      })
      .onConflict((oc) => oc.column("id").doNothing())
      .executeTakeFirst();
    return { inserted: Number(res.numInsertedOrUpdatedRows ?? 0) > 0 };
  });
}
