import { sql } from "kysely";
import type { Db } from "@tally/shared/db";

/**
 * Failed sign-ins, counted in the database (so every server process on it shares the count) per account and
 * per client address, in fixed 15-minute windows. At the limit, sign-in answers 429 until the window ends,
 * even with the right password; a successful sign-in clears its account's count.
 */
export const SIGN_IN_LIMITS = { windowMs: 15 * 60_000, perAccount: 5, perAddress: 30 } as const;

const keys = (email: string, ip: string) => [
  { key: `email:${email}`, max: SIGN_IN_LIMITS.perAccount },
  { key: `ip:${ip}`, max: SIGN_IN_LIMITS.perAddress },
];

/** Seconds until sign-in may be tried again for this account or address, or null when it may now. */
export async function signInBlockedFor(db: Db, email: string, ip: string, now: number): Promise<number | null> {
  let wait: number | null = null;
  for (const { key, max } of keys(email, ip)) {
    const row = await db.selectFrom("sign_in_failures").select(["window_start", "failures"]).where("key", "=", key).executeTakeFirst();
    const ends = row ? Number(row.window_start) + SIGN_IN_LIMITS.windowMs : 0;
    if (row && ends > now && row.failures >= max) wait = Math.max(wait ?? 0, Math.ceil((ends - now) / 1000));
  }
  return wait;
}

export async function recordSignInFailure(db: Db, email: string, ip: string, now: number): Promise<void> {
  const windowFrom = now - SIGN_IN_LIMITS.windowMs;
  await db.transaction().execute(async (trx) => {
    for (const { key } of keys(email, ip)) {
      await trx
        .insertInto("sign_in_failures")
        .values({ key, window_start: now, failures: 1 })
        .onConflict((oc) =>
          oc.column("key").doUpdateSet({
            // A window that ended starts over at this failure.
            failures: sql`case when sign_in_failures.window_start > ${windowFrom} then sign_in_failures.failures + 1 else 1 end`,
            window_start: sql`case when sign_in_failures.window_start > ${windowFrom} then sign_in_failures.window_start else ${now} end`,
          }),
        )
        .execute();
    }
    await trx.deleteFrom("sign_in_failures").where("window_start", "<=", windowFrom).execute();
  });
}

export async function clearSignInFailures(db: Db, email: string): Promise<void> {
  await db.deleteFrom("sign_in_failures").where("key", "=", `email:${email}`).execute();
}
