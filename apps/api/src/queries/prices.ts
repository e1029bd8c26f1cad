import { TRPCError } from "@trpc/server";
import { sql } from "kysely";
import { type Db, type ModelPrice, tableName } from "@tally/shared/db";
import { catalogId, type PriceHistoryInput, type PriceKeyInput, type PriceUpdateInput, type PriceUpsertInput } from "@tally/shared";
import { writeAudit } from "../auth/audit.ts";
import type { Actor } from "../auth/principal.ts";

export interface PriceItem {
  model: string;
  /** '' = any provider. */
  provider: string;
  inputMicrosPerMtok: number;
  outputMicrosPerMtok: number;
  cacheReadMicrosPerMtok: number | null;
  cacheWriteMicrosPerMtok: number | null;
  effectiveFrom: number;
  createdAt: number;
}

const columns = [
  "model", "provider", "input_micros_per_mtok", "output_micros_per_mtok", "cache_read_micros_per_mtok",
  "cache_write_micros_per_mtok", "effective_from", "created_at",
] as const;

const toItem = (r: ModelPrice): PriceItem => ({
  model: r.model,
  provider: r.provider,
  inputMicrosPerMtok: r.input_micros_per_mtok,
  outputMicrosPerMtok: r.output_micros_per_mtok,
  cacheReadMicrosPerMtok: r.cache_read_micros_per_mtok,
  cacheWriteMicrosPerMtok: r.cache_write_micros_per_mtok,
  effectiveFrom: r.effective_from,
  createdAt: r.created_at,
});

export async function listPrices(db: Db, f: { model?: string | undefined }): Promise<PriceItem[]> {
  let q = db.selectFrom("model_prices").select(columns);
  if (f.model !== undefined) q = q.where("model", "=", catalogId(f.model));
  const rows = await q.orderBy("model").orderBy("provider").orderBy("effective_from").execute();
  return rows.map(toItem);
}

/** The audit target naming one override: `price:<model>/<provider or *>@<ISO date>`. */
const priceTarget = (k: { model: string; provider: string; effective_from: number }) =>
  `price:${k.model}/${k.provider || "*"}@${new Date(k.effective_from).toISOString()}`;

/** Dated override, keyed by (model, provider, effectiveFrom), both ids stored trimmed and lower-cased as
 * payloads' are (so `ACME` and `acme` are one override). Applies to usage recorded from now on; lines already
 * recorded keep the cost computed when they were written. */
export async function upsertPrice(db: Db, actor: Actor, p: PriceUpsertInput, now: number): Promise<PriceItem> {
  const values = {
    input_micros_per_mtok: p.inputMicrosPerMtok,
    output_micros_per_mtok: p.outputMicrosPerMtok,
    cache_read_micros_per_mtok: p.cacheReadMicrosPerMtok,
    cache_write_micros_per_mtok: p.cacheWriteMicrosPerMtok,
  };
  const key = { model: catalogId(p.model), provider: catalogId(p.provider), effective_from: p.effectiveFrom };
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("model_prices")
      .select(columns)
      .where("model", "=", key.model)
      .where("provider", "=", key.provider)
      .where("effective_from", "=", key.effective_from)
      .executeTakeFirst();
    const r = await trx
      .insertInto("model_prices")
      .values({ ...key, created_at: now, ...values })
      .onConflict((oc) => oc.columns(["model", "provider", "effective_from"]).doUpdateSet(values))
      .returning(columns)
      .executeTakeFirstOrThrow();
    await writeAudit(trx, actor, { action: "prices.upsert", target: priceTarget(key), before: before ? toItem(before) : null, after: toItem(r) }, now);
    return toItem(r);
  });
}

const keyOf = (p: PriceKeyInput) => ({ model: p.model, provider: p.provider, effective_from: p.effectiveFrom });
const notFound = (k: { model: string; provider: string; effective_from: number }) =>
  new TRPCError({ code: "NOT_FOUND", message: `no price override ${priceTarget(k).slice("price:".length)}` });

/** Changes an existing override's prices (NOT_FOUND when the key does not exist), audited before → after. */
export async function updatePrice(db: Db, actor: Actor, p: PriceUpdateInput, now: number): Promise<PriceItem> {
  const key = keyOf(p);
  const values = {
    input_micros_per_mtok: p.values.inputMicrosPerMtok,
    output_micros_per_mtok: p.values.outputMicrosPerMtok,
    cache_read_micros_per_mtok: p.values.cacheReadMicrosPerMtok,
    cache_write_micros_per_mtok: p.values.cacheWriteMicrosPerMtok,
  };
  return db.transaction().execute(async (trx) => {
    const before = await selectKey(trx, key).executeTakeFirst();
    if (!before) throw notFound(key);
    const r = await trx
      .updateTable("model_prices")
      .set(values)
      .where("model", "=", key.model)
      .where("provider", "=", key.provider)
      .where("effective_from", "=", key.effective_from)
      .returning(columns)
      .executeTakeFirstOrThrow();
    await writeAudit(trx, actor, { action: "prices.update", target: priceTarget(key), before: toItem(before), after: toItem(r) }, now);
    return toItem(r);
  });
}

/** Deletes an override (NOT_FOUND when the key does not exist), audited with what it was. */
export async function removePrice(db: Db, actor: Actor, p: PriceKeyInput, now: number): Promise<{ removed: PriceItem }> {
  const key = keyOf(p);
  return db.transaction().execute(async (trx) => {
    const before = await selectKey(trx, key).executeTakeFirst();
    if (!before) throw notFound(key);
    await trx
      .deleteFrom("model_prices")
      .where("model", "=", key.model)
      .where("provider", "=", key.provider)
      .where("effective_from", "=", key.effective_from)
      .execute();
    await writeAudit(trx, actor, { action: "prices.remove", target: priceTarget(key), before: toItem(before), after: null }, now);
    return { removed: toItem(before) };
  });
}

function selectKey(db: Db, key: { model: string; provider: string; effective_from: number }) {
  return db
    .selectFrom("model_prices")
    .select(columns)
    .where("model", "=", key.model)
    .where("provider", "=", key.provider)
    .where("effective_from", "=", key.effective_from);
}

export interface PriceHistoryItem {
  at: number;
  /** The user's email or the API key's name at the time. */
  actor: string;
  action: string;
  target: string;
  /** PriceItem, or null when the change created (before) or removed (after) the override. */
  before: PriceItem | null;
  after: PriceItem | null;
}

export const PRICE_ACTIONS = ["prices.upsert", "prices.update", "prices.remove"] as const;

/** The override changes (audit entries of prices.*), newest first, at most 200; one model's when given. */
export async function priceHistory(db: Db, f: PriceHistoryInput): Promise<PriceHistoryItem[]> {
  let q = db
    .selectFrom("audit_log")
    .select(["at", "actor_label", "action", "target", "before", "after"])
    .where("action", "in", [...PRICE_ACTIONS]);
  if (f.model !== undefined) {
    // The target starts `price:<model>/`; LIKE's wildcards in a model id are taken literally.
    const prefix = `price:${f.model}/`.replace(/[\\%_]/g, (c) => `\\${c}`);
    q = q.where(sql<boolean>`target like ${`${prefix}%`} escape '\\'`);
  }
  const rows = await q.orderBy("at", "desc").orderBy("id", "desc").limit(200).execute();
  const parse = (json: string | null) => (json === null ? null : (JSON.parse(json) as PriceItem));
  return rows.map((r) => ({
    at: Number(r.at),
    actor: r.actor_label,
    action: r.action,
    target: r.target,
    before: parse(r.before),
    after: parse(r.after),
  }));
}

/**
 * The start of the first UTC day holding unpriced usage (agent or judge) of `model`, or null: where an override
 * must start for "Reprice history" to price all of it (the Overview's "Price <model>" link opens the form
 * with it). Read from the model's day rollups: a few rows per day.
 */
export async function firstUnpriced(db: Db, f: { model: string }): Promise<{ model: string; at: number | null }> {
  const row = await db
    .selectFrom(sql.table(tableName("usage", "model", "1d")).as("r"))
    .select(sql<number | null>`min(bucket)`.as("at"))
    .where(sql.ref("model"), "=", f.model)
    .where(sql.ref("unpriced_calls"), ">", 0)
    .executeTakeFirst();
  return { model: f.model, at: row?.at === null || row?.at === undefined ? null : Number(row.at) };
}
