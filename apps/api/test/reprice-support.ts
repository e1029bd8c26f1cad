import type { Db } from "@tally/shared/db";

/** Waits until the repricing job is done or failed (the server's runner works in the background), and returns its row. */
export async function waitForJob(db: Db, id: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await db.selectFrom("reprice_jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    if (job.status === "done" || job.status === "failed") return job;
    if (Date.now() > until) throw new Error(`repricing job ${id} still ${job.status} after ${timeoutMs} ms (${job.lines_done}/${job.lines_total})`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}
