import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.ts";

/**
 * Promoted tag keys (TALLY_TAG_KEYS, issue 20): each is a dimension of the tag cuboid. Like a local
 * calendar, a newly promoted key is pending and filled in the background; `filled_to` null = complete.
 * Scaffold: H2 fills in sync and fill; `tagKeys` is the contract bump() reads.
 */
export interface TagKey {
  tag_key: string;
  /** Every 15-minute bucket before this is in the tag rollups; null once complete (only then is it read). */
  filled_to: number | null;
  added_at: number;
}

/** The promoted keys (bump writes a key's rows for buckets before its filled_to, or always once complete). */
export async function tagKeys(db: Kysely<Database> | Transaction<Database>): Promise<TagKey[]> {
  return db.selectFrom("rollup_tag_keys").select(["tag_key", "filled_to", "added_at"]).orderBy("tag_key").execute();
}
