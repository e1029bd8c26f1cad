import { z } from "zod";
import { emailSchema, passwordSchema, type Role, roleSchema, wellFormedString } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import { InputError } from "../queries/common.ts";
import { createPasswordUser, FIRST_RUN_OVER, type UserItem, userCount } from "./accounts.ts";
import { writeAudit } from "./audit.ts";
import { type Actor, SYSTEM } from "./principal.ts";
import { newSecret, secretHash } from "./secrets.ts";

/**
 * The first-run link works for a day; each start with no user prints a new one, and every link printed works
 * (several instances on one database each print theirs) until the first admin is created with one of them.
 */
export const FIRST_RUN_TTL_MS = 86_400_000;
/** An invitation works for a week. */
export const INVITATION_TTL_MS = 7 * 86_400_000;

/** What the setup page posts (`POST /api/setup`). */
export const setupInput = z.strictObject({
  token: z.string().min(1, { message: "token is missing" }).max(200),
  email: emailSchema,
  name: wellFormedString().trim().min(1, { message: "name is required" }).max(100),
  password: passwordSchema,
});

/**
 * A one-time link (`/setup?token=…`) that creates an account with a role: the first admin's, or an admin's
 * invitation (which names the email). Only the token's hash is stored.
 */
export async function createSetupToken(
  db: Db,
  actor: Actor,
  input: { role: Role; email: string | null; ttlMs: number },
  now: number,
): Promise<{ token: string; expiresAt: number }> {
  const token = newSecret("");
  const expiresAt = now + input.ttlMs;
  await db.transaction().execute(async (trx) => {
    if (actor === SYSTEM) await trx.deleteFrom("setup_tokens").where("created_by", "=", SYSTEM.label).where("used_at", "is", null).where("expires_at", "<=", now).execute();
    // A new invitation replaces any earlier one for the email: only the latest link (and its role) works.
    if (input.email !== null) await expireInvitations(trx, input.email, now);
    await trx
      .insertInto("setup_tokens")
      .values({ token_hash: secretHash(token), role: input.role, email: input.email, created_by: actor.label, created_at: now, expires_at: expiresAt, used_at: null })
      .execute();
    if (actor !== SYSTEM) {
      await writeAudit(trx, actor, { action: "users.invite", target: `user:${input.email ?? "?"}`, before: null, after: { email: input.email, role: input.role, expiresAt } }, now);
    }
  });
  return { token, expiresAt };
}

/** Ends every live invitation for `email` (it expires now); how many there were. */
export async function expireInvitations(db: Db, email: string, now: number): Promise<number> {
  const r = await db
    .updateTable("setup_tokens")
    .set({ expires_at: now })
    .where("email", "=", email)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The first-run token when the database has no user yet (null otherwise): `npm start` prints its link. */
export async function firstRunToken(db: Db, now: number): Promise<string | null> {
  if ((await userCount(db)) > 0) return null;
  return (await createSetupToken(db, SYSTEM, { role: "admin", email: null, ttlMs: FIRST_RUN_TTL_MS }, now)).token;
}

/** What a live token offers (the setup page shows it), or a 400 on `token`. */
export async function readSetupToken(db: Db, token: string, now: number): Promise<{ role: Role; email: string | null; expiresAt: number; firstRun: boolean }> {
  const row = await db.selectFrom("setup_tokens").selectAll().where("token_hash", "=", secretHash(token)).executeTakeFirst();
  if (!row) throw new InputError("token", "this setup link is not valid: ask an admin for a new one");
  if (row.used_at !== null) throw new InputError("token", "this setup link has been used already: sign in instead");
  if (Number(row.expires_at) <= now) throw new InputError("token", "this setup link has expired: ask an admin for a new one (or restart Tally for a new first-run link)");
  // The first-run link: made by the system with no email (a system-made invitation names its email).
  const firstRun = row.created_by === SYSTEM.label && row.email === null;
  // A first-run link makes the first account only: once any exists (another link, TALLY_INIT_ADMIN_*, SSO), it is void.
  if (firstRun && (await userCount(db)) > 0) throw new InputError("token", FIRST_RUN_OVER);
  return { role: roleSchema.parse(row.role), email: row.email, expiresAt: Number(row.expires_at), firstRun };
}

/** Redeems a token: creates the account it offers, once. An invitation's email must be the one invited. */
export async function redeemSetupToken(db: Db, input: z.infer<typeof setupInput>, now: number): Promise<UserItem> {
  const offer = await readSetupToken(db, input.token, now);
  if (offer.email !== null && offer.email !== input.email) throw new InputError("email", `this invitation is for ${offer.email}`);
  // Claim the token first, so two submissions of one link cannot both create an account. A first-run link
  // claims every live first-run link in the same statement (one per instance started): one first admin.
  const hash = secretHash(input.token);
  const claimed = await db
    .updateTable("setup_tokens")
    .set({ used_at: now })
    .where("used_at", "is", null)
    .where((eb) => (offer.firstRun ? eb.and([eb("created_by", "=", SYSTEM.label), eb("email", "is", null), eb("expires_at", ">", now)]) : eb("token_hash", "=", hash)))
    .returning("token_hash")
    .execute();
  const release = () => db.updateTable("setup_tokens").set({ used_at: null }).where("token_hash", "in", claimed.map((c) => c.token_hash)).execute();
  if (!claimed.some((c) => c.token_hash === hash)) {
    if (claimed.length > 0) await release();
    throw new InputError("token", "this setup link has been used already: sign in instead");
  }
  const actor: Actor = { kind: "system", id: "setup-link", label: offer.email === null ? "first-run setup link" : "invitation" };
  try {
    return await createPasswordUser(db, actor, { email: input.email, name: input.name, role: offer.role, password: input.password, onlyFirst: offer.firstRun }, now);
  } catch (e) {
    await release();
    throw e;
  }
}
