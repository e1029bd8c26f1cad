import { sql } from "kysely";
import { MAX_TAG_VALUES } from "@tally/shared";
import { type Db, tableName, tagKeys } from "@tally/shared/db";
import { num } from "./common.ts";

/** A promoted tag key (TALLY_TAG_KEYS) and, once its rollups are complete, its values by runs. */
export interface TagDimension {
  key: string;
  /** "filling": promoted lately and still being filled from the raw rows; it cannot be read until ready. */
  state: "ready" | "filling";
  /** 100 when ready; else how far the fill has come from the first run to the key's promotion (0–99). */
  filledPercent: number;
  /** The MAX_TAG_VALUES values with the most runs (all time), most first; '' = runs without the tag. Empty while filling. */
  values: { value: string; runs: number }[];
}

export interface Dimensions {
  /** Every function slug with runs, from the function rollups (all time), in alphabetical order. */
  functions: string[];
  tags: TagDimension[];
}

/**
 * What the filter bar offers: function slugs and promoted tag keys with their values. Read from the 4-week
 * rollups of runs (a few rows per key: every run is in one 4-week block), so the list is all time, not the
 * window's: a filter that finds nothing in a window shows zero rather than vanishing from the choice.
 */
export async function getDimensions(db: Db): Promise<Dimensions> {
  const functions = await db
    .selectFrom(sql.table(tableName("runs", "function_only", "4w")).as("r"))
    .select(sql<string>`function_slug`.as("slug"))
    .groupBy(sql`function_slug`)
    .having(sql`sum(runs)`, ">", 0)
    .orderBy(sql`function_slug`)
    .execute();
  const keys = await tagKeys(db);
  const first = keys.some((k) => k.filled_to !== null) ? await firstRunAt(db) : null;
  const tags: TagDimension[] = [];
  // One key at a time: the driver is synchronous, so the reads would run one after another anyway.
  for (const k of keys) {
    if (k.filled_to !== null) {
      tags.push({ key: k.tag_key, state: "filling", filledPercent: filledPercent(k.filled_to, first ?? k.added_at, k.added_at), values: [] });
      continue;
    }
    const values = await db
      .selectFrom(sql.table(tableName("runs", "tag_only", "4w")).as("r"))
      .select([sql<string>`tag_value`.as("value"), sql<number>`sum(runs)`.as("runs")])
      .where(sql.ref("tag_key"), "=", k.tag_key)
      .groupBy(sql`tag_value`)
      .having(sql`sum(runs)`, ">", 0)
      .orderBy(sql`sum(runs)`, "desc")
      .orderBy(sql`tag_value`)
      .limit(MAX_TAG_VALUES)
      .execute();
    tags.push({ key: k.tag_key, state: "ready", filledPercent: 100, values: values.map((v) => ({ value: v.value, runs: num(v.runs) })) });
  }
  return { functions: functions.map((f) => f.slug), tags };
}

async function firstRunAt(db: Db): Promise<number | null> {
  const row = await db.selectFrom("runs").select(sql<number | null>`min(occurred_at)`.as("first")).executeTakeFirst();
  return row?.first ?? null;
}

/** The share of [first run, promotion) before `filledTo`, 0–99 (100 only once the key is complete). */
export function filledPercent(filledTo: number, first: number, addedAt: number): number {
  if (addedAt <= first) return 0;
  return Math.max(0, Math.min(99, Math.floor(((filledTo - first) / (addedAt - first)) * 100)));
}
