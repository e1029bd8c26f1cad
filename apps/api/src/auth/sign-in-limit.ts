import { sql } from "kysely";
import type { Db } from "@tally/shared/db";

/**
 * Failed password checks (sign-in, and the current password of a password change), counted in the database
 * (so every server process on it shares the count) per account email and per client address, in fixed
 * 15-minute windows from the first failure. At the limit the answer is 429 until the window ends, even with
 * the right password; a success clears its account's count. An email without an account counts the same,
 * so the limiter tells nobody which accounts exist.
 */
export const SIGN_IN_LIMITS = { windowMs: 15 * 60_000, perAccount: 5, perAddress: 30 } as const;

const keys = (email: string, ip: string) => [
  { key: `email:${email}`, max: SIGN_IN_LIMITS.perAccount },
  { key: `ip:${ip}`, max: SIGN_IN_LIMITS.perAddress },
];

/**
 * Counts an attempt as a failure before its password is checked, in one write transaction, so attempts sent
 * at once cannot all pass the check before any is counted; `settleAttempt` takes it back unless it failed.
 * Returns the seconds to wait instead (nothing counted) while the account or the address is at its limit.
 */
export async function countAttempt(db: Db, email: string, ip: string, now: number): Promise<number | null> {
  const windowFrom = now - SIGN_IN_LIMITS.windowMs;
  return db.transaction().execute(async (trx) => {
    let wait: number | null = null;
    for (const { key, max } of keys(email, ip)) {
      const row = await trx.selectFrom("sign_in_failures").select(["window_start", "failures"]).where("key", "=", key).executeTakeFirst();
      if (row && Number(row.window_start) > windowFrom && row.failures >= max) {
        wait = Math.max(wait ?? 0, Math.ceil((Number(row.window_start) + SIGN_IN_LIMITS.windowMs - now) / 1000));
      }
    }
    if (wait !== null) return wait;
    for (const { key } of keys(email, ip)) {
      await trx
        .insertInto("sign_in_failures")
        .values({ key, window_start: now, failures: 1 })
        .onConflict((oc) =>
          oc.column("key").doUpdateSet({
            // A window that ended starts over at this attempt.
            failures: sql`case when sign_in_failures.window_start > ${windowFrom} then sign_in_failures.failures + 1 else 1 end`,
            window_start: sql`case when sign_in_failures.window_start > ${windowFrom} then sign_in_failures.window_start else ${now} end`,
          }),
        )
        .execute();
    }
    await trx.deleteFrom("sign_in_failures").where("window_start", "<=", windowFrom).execute();
    return null;
  });
}

/**
 * How a counted attempt ended: `failed` (wrong password) stays counted; `succeeded` clears the account's
 * count and takes the attempt back from the address; `unjudged` (refused before its password was checked)
 * takes it back from both.
 */
export async function settleAttempt(db: Db, email: string, ip: string, outcome: "failed" | "succeeded" | "unjudged"): Promise<void> {
  if (outcome === "failed") return;
  await db.transaction().execute(async (trx) => {
    if (outcome === "succeeded") await trx.deleteFrom("sign_in_failures").where("key", "=", `email:${email}`).execute();
    const back = outcome === "succeeded" ? [`ip:${ip}`] : keys(email, ip).map((k) => k.key);
    await trx
      .updateTable("sign_in_failures")
      .set({ failures: sql`failures - 1` })
      .where("key", "in", back)
      .where("failures", ">", 0)
      .execute();
  });
}
