import { randomUUID } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import type { Role } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import { InputError } from "../queries/common.ts";
import { writeAudit } from "./audit.ts";
import type { Actor } from "./principal.ts";
import { createSetupToken, expireInvitations, INVITATION_TTL_MS } from "./setup.ts";

export interface UserItem {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: number;
  /** How the user signs in: `credential` (email + password) and/or an SSO provider id. */
  signInMethods: string[];
}

/**
 * better-auth's Kysely adapter stores dates in SQLite as ISO strings and booleans as 0/1; PostgreSQL's
 * timestamptz and boolean columns read the same ISO string and 0/1 (as text), so one spelling serves both.
 */
const authDate = (ms: number) => new Date(ms).toISOString();

/**
 * Creates a user who signs in with email + password (better-auth's `credential` account, its scrypt hash),
 * and records it, in one transaction. A taken email is a 400 on `email`. `onlyFirst`: only while there is no
 * user at all (a first-run link), checked in the same transaction (writers take turns: connect.ts), else a 400
 * on `token`.
 */
export async function createPasswordUser(
  db: Db,
  actor: Actor,
  input: { email: string; name: string; role: Role; password: string; onlyFirst?: boolean },
  now: number,
): Promise<UserItem> {
  const hash = await hashPassword(input.password);
  const id = randomUUID();
  const at = authDate(now);
  await db.transaction().execute(async (trx) => {
    if (input.onlyFirst && (await userCount(trx)) > 0) throw new InputError("token", FIRST_RUN_OVER);
    if (await trx.selectFrom("auth_user").select("id").where("email", "=", input.email).executeTakeFirst()) {
      throw new InputError("email", `${input.email} already has an account`);
    }
    await trx
      .insertInto("auth_user")
      .values({ id, email: input.email, name: input.name, role: input.role, emailVerified: 0, image: null, createdAt: at, updatedAt: at })
      .execute();
    await trx
      .insertInto("auth_account")
      .values({ id: randomUUID(), accountId: id, providerId: "credential", userId: id, password: hash, createdAt: at, updatedAt: at })
      .execute();
    await writeAudit(trx, actor, { action: "users.create", target: `user:${input.email}`, before: null, after: { email: input.email, name: input.name, role: input.role } }, now);
  });
  return { id, email: input.email, name: input.name, role: input.role, createdAt: now, signInMethods: ["credential"] };
}

export async function listUsers(db: Db): Promise<UserItem[]> {
  const users = await db.selectFrom("auth_user").select(["id", "email", "name", "role", "createdAt"]).orderBy("email").execute();
  const accounts = await db.selectFrom("auth_account").select(["userId", "providerId"]).execute();
  return users.map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role as Role,
    createdAt: new Date(u.createdAt).getTime(),
    signInMethods: accounts.filter((a) => a.userId === u.id).map((a) => a.providerId).sort(),
  }));
}

/** Why a first-run link stops working once any account exists (made by another link, TALLY_INIT_ADMIN_*, SSO). */
export const FIRST_RUN_OVER = "this first-run link no longer works: Tally has an account now. Sign in, or ask an admin for an invitation";

export async function userCount(db: Db): Promise<number> {
  const r = await db.selectFrom("auth_user").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Invites someone by email with a role: a one-time setup link (`/setup?token=…`, valid INVITATION_TTL_MS)
 * for that email only, replacing any earlier invitation for it. An email that already has an account is a
 * 400 on `email`.
 */
export async function inviteUser(
  db: Db,
  actor: Actor,
  input: { email: string; role: Role },
  now: number,
): Promise<{ email: string; role: Role; token: string; expiresAt: number; path: string }> {
  if (await db.selectFrom("auth_user").select("id").where("email", "=", input.email).executeTakeFirst()) {
    throw new InputError("email", `${input.email} already has an account`);
  }
  const { token, expiresAt } = await createSetupToken(db, actor, { role: input.role, email: input.email, ttlMs: INVITATION_TTL_MS }, now);
  return { email: input.email, role: input.role, token, expiresAt, path: `/setup?token=${encodeURIComponent(token)}` };
}

export interface PendingInvitation {
  email: string;
  role: Role;
  /** The admin (or key) who invited, as the audit log names them. */
  createdBy: string;
  createdAt: number;
  expiresAt: number;
}

/** Invitations not used yet and not expired, newest first (one per email: a new one replaces the last). */
export async function listInvitations(db: Db, now: number): Promise<PendingInvitation[]> {
  const rows = await db
    .selectFrom("setup_tokens")
    .select(["email", "role", "created_by", "created_at", "expires_at"])
    .where("email", "is not", null)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("created_at", "desc")
    .execute();
  return rows.map((r) => ({ email: r.email!, role: r.role as Role, createdBy: r.created_by, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) }));
}

/** Revokes the pending invitation for `email` (its link stops working at once). None pending is a 400 on `email`. */
export async function revokeInvitation(db: Db, actor: Actor, email: string, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const pending = (await listInvitations(trx, now)).filter((i) => i.email === email);
    if (pending.length === 0) throw new InputError("email", `no pending invitation for ${email}`);
    await expireInvitations(trx, email, now);
    await writeAudit(trx, actor, { action: "users.revokeInvitation", target: `user:${email}`, before: { email, role: pending[0]!.role, expiresAt: pending[0]!.expiresAt }, after: null }, now);
  });
}

/** Changes a user's role. The last admin cannot lose the role (nobody could manage users after). */
export async function setUserRole(db: Db, actor: Actor, userId: string, role: Role, now: number): Promise<UserItem> {
  await db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom("auth_user").select(["email", "role"]).where("id", "=", userId).executeTakeFirst();
    if (!user) throw new InputError("userId", `no user ${userId}`);
    if (user.role === role) return;
    if (user.role === "admin") await keepAnAdmin(trx, userId, "role");
    await trx.updateTable("auth_user").set({ role, updatedAt: authDate(now) }).where("id", "=", userId).execute();
    await writeAudit(trx, actor, { action: "users.setRole", target: `user:${user.email}`, before: { role: user.role }, after: { role } }, now);
  });
  return (await listUsers(db)).find((u) => u.id === userId)!;
}

/** Removes a user with their sessions and sign-in methods. Not oneself, and not the last admin. */
export async function removeUser(db: Db, actor: Actor, userId: string, now: number): Promise<void> {
  if (actor.kind === "user" && actor.id === userId) throw new InputError("userId", "you cannot remove yourself");
  await db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom("auth_user").select(["email", "name", "role"]).where("id", "=", userId).executeTakeFirst();
    if (!user) throw new InputError("userId", `no user ${userId}`);
    if (user.role === "admin") await keepAnAdmin(trx, userId, "userId");
    await trx.deleteFrom("auth_session").where("userId", "=", userId).execute();
    await trx.deleteFrom("auth_account").where("userId", "=", userId).execute();
    await trx.deleteFrom("auth_user").where("id", "=", userId).execute();
    // An invitation left for the email would let them back in.
    await expireInvitations(trx, user.email, now);
    await writeAudit(trx, actor, { action: "users.remove", target: `user:${user.email}`, before: user, after: null }, now);
  });
}

async function keepAnAdmin(trx: Db, leaving: string, field: string): Promise<void> {
  const other = await trx.selectFrom("auth_user").select("id").where("role", "=", "admin").where("id", "!=", leaving).executeTakeFirst();
  if (!other) throw new InputError(field, "this is the last admin: make another user admin first");
}
