import { randomUUID } from "node:crypto";
import type { Role } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import { InputError } from "../queries/common.ts";
import { writeAudit } from "./audit.ts";
import type { Actor, Principal } from "./principal.ts";
import { newSecret, secretHash } from "./secrets.ts";

/** Every key Tally makes starts so, which tells a leaked one apart in logs and secret scanners. */
export const API_KEY_PREFIX = "tally_";
/** An operator-chosen key (TALLY_INIT_API_KEY) must be at least this long. */
export const MIN_API_KEY_LENGTH = 32;
/** `last_used_at` is written at most once a minute per key, so reads with a key do not queue behind writers. */
const LAST_USED_EVERY_MS = 60_000;

export interface ApiKeyItem {
  id: string;
  name: string;
  role: Role;
  /** The first characters of the secret, to tell keys apart. */
  prefix: string;
  createdBy: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

const columns = ["id", "name", "role", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"] as const;
type Row = { id: string; name: string; role: string; prefix: string; created_by: string; created_at: number; last_used_at: number | null; revoked_at: number | null };
const toItem = (r: Row): ApiKeyItem => ({
  id: r.id,
  name: r.name,
  role: r.role as Role,
  prefix: r.prefix,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

/** Creates a key; its secret is returned this once and stored only as a hash. `secret` is for TALLY_INIT_API_KEY. */
export async function createApiKey(
  db: Db,
  actor: Actor,
  input: { name: string; role: Role; secret?: string },
  now: number,
): Promise<{ key: ApiKeyItem; secret: string }> {
  const secret = input.secret ?? newSecret(API_KEY_PREFIX);
  if (secret.length < MIN_API_KEY_LENGTH) throw new InputError("secret", `an API key must be at least ${MIN_API_KEY_LENGTH} characters`);
  const row: Row = { id: randomUUID(), name: input.name, role: input.role, prefix: secret.slice(0, API_KEY_PREFIX.length + 4), created_by: actor.label, created_at: now, last_used_at: null, revoked_at: null };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto("api_keys").values({ ...row, key_hash: secretHash(secret) }).execute();
    await writeAudit(trx, actor, { action: "apiKeys.create", target: `api_key:${row.id}`, before: null, after: toItem(row) }, now);
  });
  return { key: toItem(row), secret };
}

export async function listApiKeys(db: Db): Promise<ApiKeyItem[]> {
  const rows = await db.selectFrom("api_keys").select(columns).orderBy("created_at", "desc").orderBy("id").execute();
  return rows.map(toItem);
}

/** Revokes a key for good; revoking a revoked key changes nothing and records nothing. */
export async function revokeApiKey(db: Db, actor: Actor, id: string, now: number): Promise<ApiKeyItem> {
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom("api_keys").select(columns).where("id", "=", id).executeTakeFirst();
    if (!before) throw new InputError("id", `no API key ${id}`);
    if (before.revoked_at !== null) return toItem(before);
    const after = { ...before, revoked_at: now };
    await trx.updateTable("api_keys").set({ revoked_at: now }).where("id", "=", id).execute();
    await writeAudit(trx, actor, { action: "apiKeys.revoke", target: `api_key:${id}`, before: toItem(before), after: toItem(after) }, now);
    return toItem(after);
  });
}

/** The principal of a live key with this secret, or null. Notes its use (at most once a minute). */
export async function principalForKey(db: Db, secret: string, now: number): Promise<Principal | null> {
  const row = await db
    .selectFrom("api_keys")
    .select(["id", "name", "role", "last_used_at"])
    .where("key_hash", "=", secretHash(secret))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (!row) return null;
  if (row.last_used_at === null || now - Number(row.last_used_at) >= LAST_USED_EVERY_MS) {
    await db.updateTable("api_keys").set({ last_used_at: now }).where("id", "=", row.id).execute();
  }
  return { kind: "api_key", id: row.id, label: row.name, role: row.role as Role };
}

/** Whether a key with this secret exists (revoked or not): TALLY_INIT_API_KEY is created only once. */
export async function apiKeyExists(db: Db, secret: string): Promise<boolean> {
  return (await db.selectFrom("api_keys").select("id").where("key_hash", "=", secretHash(secret)).executeTakeFirst()) !== undefined;
}
