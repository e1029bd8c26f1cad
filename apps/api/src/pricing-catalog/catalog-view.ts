import type { Db } from "@tally/shared/db";
import { catalogModelId } from "@tally/shared/pricing";
import { type CatalogStatus, catalogStatus, refreshCatalog } from "./catalog.ts";

/**
 * `prices.catalog`: where the catalog in use comes from, when it was fetched, how many models it has, and the
 * models its last price change touched, each with the stored model ids whose usage it prices (the ids the
 * catalog resolves to that model, or the id itself for a removed model): the usage to offer repricing for.
 */
export async function catalogView(db: Db, status: CatalogStatus = catalogStatus()) {
  const stored = status.changes.length === 0 ? [] : (await db.selectFrom("usage_costs").select("model").distinct().execute()).map((r) => r.model);
  const byCatalogModel = new Map<string, string[]>();
  for (const model of stored) {
    const family = catalogModelId(model);
    if (family !== null) byCatalogModel.set(family, [...(byCatalogModel.get(family) ?? []), model]);
  }
  const changes = status.changes.map((c) => {
    const ids = new Set(byCatalogModel.get(`${c.provider}/${c.model}`) ?? []);
    if (stored.includes(c.model)) ids.add(c.model);
    return { ...c, storedModels: [...ids].sort() };
  });
  return { ...status, changes };
}

/** `prices.refreshCatalog`: downloads GENAI_PRICES_URL now; the answer says whether the download was used. */
export async function refreshCatalogView(db: Db) {
  return catalogView(db, await refreshCatalog());
}

export type CatalogView = Awaited<ReturnType<typeof catalogView>>;
