import { calcPrice, findProvider, type ModelPrice, type Provider } from "@pydantic/genai-prices";
import { MAX_PRICE_MICROS_PER_MTOK } from "../schemas/analytics.ts";
import { ALL_UNITS, MAX_COUNT, MAX_TOKENS } from "./units.ts";
import { catalogId } from "../schemas/strings.ts";
import { checkUsage, type NormalizedUsage, UsageError } from "./usage.ts";

/**
 * The most one usage line can cost: every input and every output token (each at most MAX_TOKENS) at
 * MAX_PRICE_MICROS_PER_MTOK = 2 × 1e12 × 1e9 / 1e6 = 2e15 micro-USD, under 2^53 ≈ 9.007e15, so a cost is
 * always an exact integer. (The catalog's dearest model, o1-pro at $150/$600 per Mtok, tops out at 7.5e14;
 * searches, pages, messages and seconds are bounded at 1e9 so that every catalog line, every unit at its
 * bound, stays under 8e14: units.test.ts checks it model by model. An override's token prices are capped
 * at MAX_PRICE_MICROS_PER_MTOK; its other units keep the catalog's prices, so a line at every bound may exceed
 * MAX_COST_MICROS: `amounts` refuses it.)
 */
export const MAX_COST_MICROS = (2 * MAX_TOKENS * MAX_PRICE_MICROS_PER_MTOK) / 1_000_000;

/**
 * The most one line can cost at a model's price, every unit at its bound: the dearest input and output token
 * rates over MAX_TOKENS each, every count (per thousand) and page over MAX_COUNT, every hour over MAX_COUNT
 * seconds, a per-request fee once. A downloaded catalog is refused when a model's is over MAX_COST_MICROS
 * (apps/api pricing-catalog): its lines could otherwise be refused at recording or fail a repricing.
 * Price keys Tally does not know price no unit it sends (calcPrice charges only the usage given).
 */
export function dearestLineMicros(prices: ModelPrice): number {
  const usd = (p: ModelPrice[string]) => (typeof p === "number" ? p : p ? Math.max(p.base, ...p.tiers.map((t) => t.price)) : 0);
  let input = 0;
  let output = 0;
  let other = 0;
  for (const [key, price] of Object.entries(prices)) {
    const top = usd(price);
    if (key.endsWith("_mtok")) {
      if (key.startsWith("output_")) output = Math.max(output, top);
      else input = Math.max(input, top);
    } else if (key === "requests_kcount") other += top / 1_000;
    else if (key.endsWith("_kcount") || key.endsWith("_kpages")) other += (MAX_COUNT / 1_000) * top;
    else if (key.endsWith("_hours")) other += (MAX_COUNT / 3_600) * top;
  }
  return (input + output) * MAX_TOKENS + other * 1_000_000;
}

export interface PriceOverride {
  model: string;
  /** '' = any provider. */
  provider: string;
  input_micros_per_mtok: number;
  output_micros_per_mtok: number;
  cache_read_micros_per_mtok: number | null;
  cache_write_micros_per_mtok: number | null;
  effective_from: number;
}

export interface PricedUsage {
  /** Provider the price came from; the given provider (or '') when unpriced. */
  provider: string;
  /** NULL when no price is known: unpriced, never $0. */
  costMicros: number | null;
  inputCostMicros: number | null;
  outputCostMicros: number | null;
  /** `override:<model>@<ISO date>`, `genai-prices:<provider>/<model id>`, `unpriced`, or `unpriced:<unit>,…`. */
  priceSource: string;
}

/**
 * USD (float, as genai-prices returns it) → integer micro-USD, rounded half away from zero. The float carries
 * binary noise: 1,010 tokens at $0.15/Mtok plus 140 at $0.60 is exactly 235.5 micro-USD but arrives as
 * 235.49999999999997. A cost is tokens × a price with at most 6 decimals in micro-USD per token (whole micros per
 * Mtok for overrides, fewer for the catalog's prices), so it is first snapped to 6 decimals, which recovers the exact
 * value, and the half is then rounded as documented (236). A float holds 15 significant digits, so a large cost
 * keeps fewer decimals (its integer digits take the rest): 4,762,406,188.5 arrives as …188.4999995, which 6
 * decimals keep below the half and 5 snap to it (a line over $10,000 keeps 4 decimals, over $1M 2).
 */
export function toMicros(usd: number): number {
  const raw = usd * 1_000_000;
  const integerDigits = Math.abs(raw) < 1 ? 1 : Math.floor(Math.log10(Math.abs(raw))) + 1;
  const exact = Number(raw.toFixed(Math.max(0, Math.min(6, 15 - integerDigits))));
  return Math.sign(exact) * Math.round(Math.abs(exact));
}

/**
 * Prices one usage line at time `at`: the newest custom override in effect wins over the genai-prices
 * catalog (the catalog's own dated prices are honoured through `timestamp`). Both paths go through
 * `calcPrice`, so tiers and cache rates are computed by the same code. Throws a UsageError for counts out of
 * bounds or a cost that would not be an exact integer in 0…MAX_COST_MICROS.
 */
export function priceUsage(
  usage: NormalizedUsage,
  model: string,
  provider: string | undefined,
  at: number,
  overrides: readonly PriceOverride[],
): PricedUsage {
  checkUsage(usage);
  const providerId = provider === undefined ? undefined : catalogId(provider) || undefined;
  // Every unit the line carries, under its genai-prices key: audio, image, 1-hour cache writes, searches, …
  const calcUsage: Record<string, number> = {};
  for (const unit of ALL_UNITS) {
    calcUsage[unit.priceKey] = (usage as unknown as Record<string, number | undefined>)[unit.column] ?? 0;
  }
  const catalog = calcPrice(calcUsage, model, { timestamp: new Date(at), ...(providerId ? { providerId } : {}) });
  const override = pickOverride(overrides, model, providerId, catalog, at);
  if (override) {
    const prices = overridePrices(override, catalog?.model_price);
    // Without a provider in the payload the line takes the override's, else the one the catalog attributes.
    const lineProvider = providerId ?? (catalogId(override.provider) || catalog?.provider.id || "");
    const missing = unpricedUnits(usage, prices);
    if (missing.length) return unpriced(lineProvider, missing);
    const result = calcPrice(calcUsage, model, { provider: overrideProvider(override, prices, model) });
    if (result) {
      return {
        provider: lineProvider,
        ...amounts(result),
        priceSource: `override:${override.model}@${new Date(override.effective_from).toISOString()}`,
      };
    }
  }
  if (!catalog) return unpriced(providerId ?? "", []);
  const missing = unpricedUnits(usage, catalog.model_price);
  if (missing.length) return unpriced(catalog.provider.id, missing);
  return {
    provider: catalog.provider.id,
    ...amounts(catalog),
    priceSource: `genai-prices:${catalog.provider.id}/${catalog.model.id}`,
  };
}

/**
 * The provider ids a line sent with `provider` can be stored with: the id as sent (override or unpriced)
 * or the catalog provider it names (`xai` → `x-ai`, `vertex` → `google`).
 */
export function storedProviderIds(provider: string): string[] {
  const id = catalogId(provider);
  const catalog = id ? findProvider({ providerId: id })?.id : undefined;
  return catalog && catalog !== id ? [id, catalog] : [id];
}

/**
 * `unpriced` (no price for the model), or `unpriced:<column>,…` naming each unit of the line with no price
 * in the model's price (a web search of a model priced for tokens only): calcPrice would count such a unit as
 * free, so the line is stored unpriced with the unpriced calls, never as a partial or $0 cost.
 */
function unpriced(provider: string, missing: readonly string[]): PricedUsage {
  const priceSource = missing.length ? `unpriced:${missing.join(",")}` : "unpriced";
  return { provider, costMicros: null, inputCostMicros: null, outputCostMicros: null, priceSource };
}

const UNIT_BY_COLUMN = new Map(ALL_UNITS.map((unit) => [unit.column, unit]));

/**
 * The non-zero units of a line that `prices` does not price. A unit is priced by its own rate or, as
 * genai-prices splits a count into leaves, by the rate of a count it is part of (cache reads at the input
 * rate, 1-hour cache writes at the cache-write rate, input audio seconds at the audio rate, …). A model with
 * no token rate at all is billed by another measure (grok-voice by the second, Mistral OCR by the page):
 * its token counts are information, not a missing price.
 */
function unpricedUnits(usage: NormalizedUsage, prices: ModelPrice): string[] {
  const counts = usage as unknown as Record<string, number | undefined>;
  const pricesTokens = Object.entries(prices).some(([key, price]) => key.endsWith("_mtok") && price !== undefined);
  return ALL_UNITS.filter((unit) => {
    if ((counts[unit.column] ?? 0) <= 0 || (unit.kind === "tokens" && !pricesTokens)) return false;
    const rates = [unit, ...unit.partOf.map((column) => UNIT_BY_COLUMN.get(column)!)].map((u) => u.rateKey);
    return !rates.some((rate) => prices[rate] !== undefined);
  }).map((unit) => unit.column);
}

function amounts(r: { total_price: number; input_price: number; output_price: number }) {
  const micros = {
    costMicros: toMicros(r.total_price),
    inputCostMicros: toMicros(r.input_price),
    outputCostMicros: toMicros(r.output_price),
  };
  for (const [field, m] of Object.entries(micros)) {
    if (!Number.isSafeInteger(m) || m < 0 || m > MAX_COST_MICROS) {
      throw new UsageError(`${field}: ${m} micro-USD is outside 0…${MAX_COST_MICROS}; check the tokens and the model's price`);
    }
  }
  return micros;
}

/**
 * The override in force for a line, matched the way the catalog matches ids:
 * - model: the same id (trimmed, any case), or an id the catalog resolves to the same catalog model as the
 *   override's (an override for `gpt-4o` prices `gpt-4o-2024-08-06`, which the catalog prices as `gpt-4o`;
 *   not `gpt-4o-2024-05-13`, a model of its own there). An override naming the line's exact id wins over
 *   one matched through the catalog, whatever their dates.
 * - provider: an override for any provider (''), or for the line's provider as sent or as the catalog names
 *   it (`xai` = `x-ai`); a line sent without one has the provider the catalog attributes its model to.
 * Among the matches the newest effective date wins; at the same date a provider-specific one.
 */
function pickOverride(
  overrides: readonly PriceOverride[],
  model: string,
  provider: string | undefined,
  catalog: CatalogMatch | null,
  at: number,
): PriceOverride | undefined {
  const id = catalogId(model);
  const lineProviders = provider !== undefined ? storedProviderIds(provider) : catalog ? [catalog.provider.id] : [];
  const resolved = catalog ? `${catalog.provider.id}/${catalog.model.id}` : undefined;
  let exact: PriceOverride | undefined;
  let family: PriceOverride | undefined;
  for (const o of overrides) {
    if (o.effective_from > at) continue;
    const overrideProviderId = catalogId(o.provider);
    if (overrideProviderId !== "" && !storedProviderIds(overrideProviderId).some((p) => lineProviders.includes(p))) continue;
    if (catalogId(o.model) === id) exact = newer(exact, o);
    // Resolved under its own provider, or (an override for any provider) under the line's: a blank-provider
    // `gpt-4o-mini` covers azure's `gpt-4o-mini-2024-07-18`, which the catalog prices as azure/gpt-4o-mini.
    else if (catalog && catalogModelId(o.model, overrideProviderId || catalog.provider.id) === resolved) family = newer(family, o);
  }
  return exact ?? family;
}

type CatalogMatch = NonNullable<ReturnType<typeof calcPrice>>;

/** The newest effective date wins; at the same date a provider-specific override beats a generic one. */
function newer(best: PriceOverride | undefined, o: PriceOverride): PriceOverride {
  if (!best || o.effective_from > best.effective_from) return o;
  return o.effective_from === best.effective_from && catalogId(o.provider) !== "" ? o : best;
}

/**
 * `provider/model` of the catalog model an id is priced as (with `provider` when it names one, else the
 * provider the catalog attributes it to), null when the catalog does not know it. Remembered.
 */
const catalogModels = new Map<string, string | null>();
export function catalogModelId(model: string, provider?: string): string | null {
  const providerId = provider === undefined ? undefined : catalogId(provider) || undefined;
  const key = `${providerId ?? ""}\u0000${catalogId(model)}`;
  let hit = catalogModels.get(key);
  if (hit === undefined) {
    const r = calcPrice({}, catalogId(model), providerId ? { providerId } : {});
    hit = r ? `${r.provider.id}/${r.model.id}` : null;
    if (catalogModels.size > 10_000) catalogModels.clear();
    catalogModels.set(key, hit);
  }
  return hit;
}

/** Forgets what catalogModelId remembered: the catalog's data was replaced (apps/api pricing-catalog). */
export function forgetCatalogMatches(): void {
  catalogModels.clear();
}

/**
 * An override sets every token price (input, output, and cache reads / writes when given; without them those
 * tokens are charged at the input rate, as genai-prices does), laid over the catalog's price for the model,
 * whose other prices (searches, pages, messages, audio seconds, per-request fees) stay. Token prices are
 * the catalog's `*_mtok` keys: all of them are replaced, so the override's own rates price every token.
 */
function overridePrices(o: PriceOverride, catalog: ModelPrice | undefined): ModelPrice {
  const prices: ModelPrice = {};
  for (const [key, price] of Object.entries(catalog ?? {})) {
    if (!key.endsWith("_mtok")) prices[key] = price;
  }
  prices.input_mtok = o.input_micros_per_mtok / 1_000_000;
  prices.output_mtok = o.output_micros_per_mtok / 1_000_000;
  if (o.cache_read_micros_per_mtok !== null) prices.cache_read_mtok = o.cache_read_micros_per_mtok / 1_000_000;
  if (o.cache_write_micros_per_mtok !== null) prices.cache_write_mtok = o.cache_write_micros_per_mtok / 1_000_000;
  return prices;
}

/** A one-model provider pricing the line's own id (an override may match it through the catalog). */
function overrideProvider(o: PriceOverride, prices: ModelPrice, lineModel: string): Provider {
  return {
    id: o.provider || "custom",
    name: "Custom price override",
    api_pattern: ".*",
    models: [{ id: o.model, match: { equals: catalogId(lineModel) }, prices }],
  };
}
