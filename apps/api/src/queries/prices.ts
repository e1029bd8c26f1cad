import type { Db, ModelPrice } from "@tally/shared/db";
import { catalogId, type PriceUpsertInput } from "@tally/shared";
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
    const target = `price:${key.model}/${key.provider || "*"}@${new Date(key.effective_from).toISOString()}`;
    await writeAudit(trx, actor, { action: "prices.upsert", target, before: before ? toItem(before) : null, after: toItem(r) }, now);
    return toItem(r);
  });
}
