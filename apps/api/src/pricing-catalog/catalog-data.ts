import type { ModelPrice, Provider } from "@pydantic/genai-prices";
import { z } from "zod";
import { MAX_PRICE_MICROS_PER_MTOK } from "@tally/shared";
import { dearestLineMicros, MAX_COST_MICROS } from "@tally/shared/pricing";

/**
 * The genai-prices data file (`Provider[]`, the shape of its `data.json`), checked before it replaces the
 * catalog in use: genai-prices itself only checks that it is an array, and a price that is not a number
 * would fail every line of that model later, at recording time.
 */
const MAX_USD_PER_MTOK = MAX_PRICE_MICROS_PER_MTOK / 1_000_000;
const usd = z.number().finite().min(0);
const tiered = z.object({ base: usd, tiers: z.array(z.object({ start: z.number().finite().min(0), price: usd })) });
const priceTable = z.record(z.string(), z.union([usd, tiered])).superRefine((prices, ctx) => {
  for (const [key, price] of Object.entries(prices)) {
    const top = typeof price === "number" ? price : Math.max(price.base, ...price.tiers.map((t) => t.price));
    if (key.endsWith("_mtok") && top > MAX_USD_PER_MTOK) ctx.addIssue({ code: "custom", path: [key], message: `${top} USD per Mtok is over ${MAX_USD_PER_MTOK}` });
  }
  // Searches, pages, hours and per-request fees too: every line at these prices must stay an exact cost.
  const dearest = dearestLineMicros(prices as ModelPrice);
  if (!(dearest <= MAX_COST_MICROS)) {
    ctx.addIssue({ code: "custom", message: `a line with every unit at its bound would cost ${dearest} micro-USD, over ${MAX_COST_MICROS}: a price is out of range` });
  }
});
const model = z.looseObject({
  id: z.string().min(1),
  match: z.record(z.string(), z.unknown()),
  prices: z.union([priceTable, z.array(z.looseObject({ prices: priceTable, constraint: z.record(z.string(), z.unknown()).optional() })).min(1)]),
});
const provider = z.looseObject({ id: z.string().min(1), name: z.string(), api_pattern: z.string(), models: z.array(model) });
export const catalogDataSchema = z.array(provider).min(1, { message: "the catalog lists no provider" });

/** Parses a downloaded data file: the providers, or an Error saying what is wrong (field path included). */
export function parseCatalog(text: string): Provider[] | Error {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return new Error(`not JSON (${(e as Error).message})`);
  }
  const r = catalogDataSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    return new Error(`not a genai-prices data file: ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return json as Provider[];
}

export const modelCount = (providers: readonly Provider[]) => providers.reduce((n, p) => n + p.models.length, 0);

export interface CatalogChange {
  provider: string;
  model: string;
  change: "added" | "removed" | "changed";
}

/** The catalog models (`provider/model`) whose prices differ between two catalogs, or that only one has. */
export function changedModels(before: readonly Provider[], after: readonly Provider[]): CatalogChange[] {
  const prices = (data: readonly Provider[]) => {
    const m = new Map<string, string>();
    for (const p of data) for (const x of p.models) m.set(`${p.id}\u0000${x.id}`, JSON.stringify(x.prices));
    return m;
  };
  const a = prices(before);
  const b = prices(after);
  const out: CatalogChange[] = [];
  const split = (key: string) => {
    const [provider, model] = key.split("\u0000") as [string, string];
    return { provider, model };
  };
  for (const [key, price] of b) {
    if (!a.has(key)) out.push({ ...split(key), change: "added" });
    else if (a.get(key) !== price) out.push({ ...split(key), change: "changed" });
  }
  for (const key of a.keys()) if (!b.has(key)) out.push({ ...split(key), change: "removed" });
  return out.sort((x, y) => x.provider.localeCompare(y.provider) || x.model.localeCompare(y.model));
}
