import { type Kysely, sql, type Transaction } from "kysely";
import { tagsSchema } from "../schemas/strings.ts";
import { type Fact, FACTS, TAG_CUBOIDS, tableGrains, tableName } from "./catalogue.ts";
import type { Db } from "./connect.ts";
import type { Database } from "./schema.ts";

/**
 * Promoted tag keys (TALLY_TAG_KEYS, issue 20): each is a dimension of the tag cuboid, one row per fact per
 * key, its value the run's tag (or '' when the run has none). Like a local calendar, a newly promoted key is
 * pending and filled in the background from the raw rows (fillTagKeys, @tally/inngest-functions), a UTC day
 * per transaction; `filled_to` null = complete, and only a complete key is read.
 */
export interface TagKey {
  tag_key: string;
  /** Every 15-minute bucket before this is in the tag rollups; null once complete (only then is it read). */
  filled_to: number | null;
  added_at: number;
}

/** At most this many promoted keys: each fact writes a row per key per grain. */
export const MAX_PROMOTED_TAG_KEYS = 8;

/** Why `key` cannot be a tag key (the payloads' tag key rules, strings.ts), or null when it can. */
export function tagKeyProblem(key: string): string | null {
  const parsed = tagsSchema.safeParse({ [key]: "" });
  if (parsed.success) return null;
  // A record key's own problems are nested under zod's "Invalid key in record".
  const issue = parsed.error.issues[0] as { message: string; issues?: { message: string }[] } | undefined;
  return issue?.issues?.[0]?.message ?? issue?.message ?? "not a tag key";
}

/** The promoted keys (bump writes a key's rows for buckets before its filled_to, or always once complete). */
export async function tagKeys(db: Kysely<Database> | Transaction<Database>): Promise<TagKey[]> {
  return db.selectFrom("rollup_tag_keys").select(["tag_key", "filled_to", "added_at"]).orderBy("tag_key").execute();
}

/** Every table of the tag cuboids (each fact at each of its grains, local calendars included). */
export function tagTables(): string[] {
  return (Object.keys(FACTS) as Fact[]).flatMap((fact) => TAG_CUBOIDS.flatMap((c) => tableGrains(fact, c).map((grain) => tableName(fact, c, grain))));
}

/**
 * Makes the promoted keys exactly `keys` (start-up): a new key is added pending from the earliest bucket
 * that holds any fact (complete at once on an empty database); a key no longer configured is removed with
 * its rows in every tag table. The fill runs afterwards, in the background.
 */
export async function syncTagKeys(db: Db, keys: readonly string[], opts: { now?: number } = {}): Promise<{ added: string[]; removed: string[] }> {
  const now = opts.now ?? Date.now();
  return db.transaction().execute(async (conn) => {
    const have = (await tagKeys(conn)).map((k) => k.tag_key);
    const removed = have.filter((k) => !keys.includes(k));
    const added = [...new Set(keys)].filter((k) => !have.includes(k));
    for (const key of removed) {
      for (const table of tagTables()) await sql`delete from ${sql.table(table)} where tag_key = ${key}`.execute(conn);
      await conn.deleteFrom("rollup_tag_keys").where("tag_key", "=", key).execute();
    }
    const first = added.length > 0 ? await firstFactBucket(conn, Number.MIN_SAFE_INTEGER) : null;
    for (const key of added) await conn.insertInto("rollup_tag_keys").values({ tag_key: key, filled_to: first, added_at: now }).execute();
    return { added, removed };
  });
}

/** The first 15-minute bucket at or after `from` that holds any fact (the base tables: each raw row counts in one), or null. */
export async function firstFactBucket(db: Kysely<Database> | Transaction<Database>, from: number): Promise<number | null> {
  const firsts = (Object.keys(FACTS) as Fact[]).map((f) => `select min(bucket) as b from "${tableName(f, "model_customer", "15m")}" where bucket >= ${Number(from)}`);
  const row = await sql<{ b: number | null }>`select min(b) as b from (${sql.raw(firsts.join(" union all "))}) as firsts`.execute(db);
  const b = row.rows[0]?.b;
  return b == null ? null : Number(b);
}
